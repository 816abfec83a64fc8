-- What a FOCUS line says besides the columns every format maps to
-- (ChargeClass, ChargeDescription, SkuPriceDetails, ContractApplied,
-- CommitmentDiscount*, ListCost, ContractedCost, PricingQuantity, Allocated*,
-- x_ columns ...), as a JSON object under the names the file gives them:
-- stored, never read as money. NULL for the other formats. `export` writes a
-- FOCUS line's columns back from it.
ALTER TABLE billing_lines ADD COLUMN details JSON;
