import type { common } from "./locales/common";
import type { errors } from "./locales/errors";

// Typed keys: a t("...") call naming a key that English lacks does not compile. Add each new namespace here and
// in index.ts.
declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "common";
    resources: {
      common: typeof common.en;
      errors: typeof errors.en;
    };
  }
}
