import { z } from "zod";

/**
 * The `formData` part of the OZG-Cloud intake (`POST /antrag`), as portals send it today.
 * Unknown keys are kept (portals add their own); what ozg-hub relies on is required. Every
 * member that may be absent may also be null: portals whose JSON library writes nulls (Jackson's
 * default) send `"formItems": null` for a field and `"stringValue": null` for a group.
 */
type FormItem = {
  name: string;
  label?: string | null;
  stringValue?: string | null;
  numberValue?: number | null;
  dateValue?: string | null;
  booleanValue?: boolean | null;
  formItems?: FormItem[] | null;
};

export const formItemSchema: z.ZodType<FormItem> = z.lazy(() =>
  z.looseObject({
    name: z.string().min(1),
    label: z.string().nullish(),
    stringValue: z.string().nullish(),
    numberValue: z.number().nullish(),
    dateValue: z.string().nullish(),
    booleanValue: z.boolean().nullish(),
    formItems: z.array(formItemSchema).nullish(),
  }),
);

export const ozgCloudFormSchema = z.looseObject({
  control: z.looseObject({
    transactionId: z.string().min(1).max(200),
    zustaendigeStelle: z.string().min(1),
    leikaIds: z.array(z.string().regex(/^\d{14}$/, "a 14-digit LeiKa id")).min(1),
    formId: z.string().min(1),
    name: z.string().min(1),
    serviceKonto: z
      .looseObject({
        type: z.string(),
        trustLevel: z.string().nullish(),
        postfachAddress: z.looseObject({ identifier: z.string(), type: z.string().nullish() }).nullish(),
      })
      .nullish(),
  }),
  formData: z.array(formItemSchema),
});

export type OzgCloudForm = z.infer<typeof ozgCloudFormSchema>;
