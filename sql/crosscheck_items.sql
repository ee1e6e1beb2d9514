-- The `sums` lines of the current summary protocols: by level, area and item
-- in byte order.
SELECT i.level, i.area, i.item, i.item_version
  FROM summary_item i
  JOIN summary s ON s.level = i.level AND s.area = i.area AND s.version = i.version
 WHERE s.state = 'current'
 ORDER BY i.level, i.area, i.item
