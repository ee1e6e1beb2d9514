-- A recount of the counting protocols per district and question, straight from
-- the protocols: the check on district_total (and the tally before it existed).
SELECT p.district, a.question, count(*), sum(c.on_list), sum(a.in_boxes),
       sum(a.yes), sum(a.no), sum(a.not_counted), sum(a.invalid)
  FROM protocol c
  JOIN precinct p ON p.id = c.precinct
  JOIN protocol_answer a ON a.precinct = c.precinct AND a.version = c.version
 WHERE c.state = 'current'
 GROUP BY p.district, a.question
