-- Each counting protocol's numbers for one question (?1), with its precinct's
-- region: for the HTML report's histograms and forensics (tally/html_data.c).
SELECT p.region, c.on_list, a.in_boxes, a.yes, a.no
  FROM protocol c
  JOIN precinct p ON p.id = c.precinct
  JOIN protocol_answer a ON a.precinct = c.precinct AND a.version = c.version
 WHERE c.state = 'current' AND a.question = ?1
 ORDER BY c.precinct
