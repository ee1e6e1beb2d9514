-- The current summary protocols (one per level and area at most), each with
-- its answer rows, grouped by level and area in byte order: what the
-- crosscheck compares, and what a region's summary is compared with.
SELECT s.level, s.area, s.version, s.on_list, a.question, a.received, a.issued, a.cancelled,
       a.in_boxes, a.yes, a.no, a.not_counted, a.invalid
  FROM summary s
  JOIN summary_answer a ON a.level = s.level AND a.area = s.area AND a.version = s.version
 WHERE s.state = 'current'
 ORDER BY s.level, s.area
