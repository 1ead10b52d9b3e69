-- Checkout no longer takes a promotion's row lock unless the promotion has a total usage
-- limit: `redemptions` is the counter that limit is enforced against (by its CHECK, in the
-- checkout's last statement), kept only while `usage_limit` is set and recounted whenever
-- the promotion is saved. The uses themselves are the rows of `promotion_redemptions`.
COMMENT ON COLUMN promotions.redemptions IS
    'Uses counted against usage_limit, kept only while usage_limit is set; count promotion_redemptions for the rest.';

-- The limit's CHECK got Postgres' generated name (it spans two columns); name it for what
-- it guards, as the code that maps its violation to `usage_limit_reached` refers to it.
ALTER TABLE promotions RENAME CONSTRAINT promotions_check TO promotions_redemptions_within_limit;
