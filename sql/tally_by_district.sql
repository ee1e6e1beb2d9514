-- The counting totals per district and question, as the triggers in
-- schema.sql keep them. Regional and national totals are sums of these rows
-- (done in C, in 64-bit integers).
SELECT district, question, reporting, eligible, took_part, yes, no, not_counted, invalid
  FROM district_total
