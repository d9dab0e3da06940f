// `npm run lint` checks README.md and docs/ with these rules (remark-cli, --frail: any
// message fails): links and their #fragments resolve (remark-validate-links), prose "see X"
// references name a heading, every shown `ozg-hub` command exists in the CLI's help, and no
// heading of docs/kept.json has disappeared. The local rules explain themselves in test/docs/.
import remarkValidateLinks from "remark-validate-links";
import remarkSeeReferences from "./test/docs/remark-see-references.mjs";
import remarkCliCommands from "./test/docs/remark-cli-commands.mjs";
import remarkHeadingsKept from "./test/docs/remark-headings-kept.mjs";

export default {
  plugins: [[remarkValidateLinks, { repository: false }], remarkSeeReferences, remarkCliCommands, remarkHeadingsKept],
};
