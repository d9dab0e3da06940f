/**
 * Addressing from the transport (a Reader, an addressee): it fills the application's `recipient`
 * fields that the content itself leaves empty. A leaf of its own, because the store, the config
 * spec and the adapter contract all name it and none of them may import another for it.
 */
export interface TransportRecipient {
  /** The tenant the transport itself addressed, e.g. the owner of the OSCI Reader key that opened the content. */
  tenant?: string;
  xtaReader?: string;
  ags?: string;
  ars?: string;
  organisationUnitId?: string;
}
