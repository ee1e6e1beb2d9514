/* sql.h: SQL text embedded from sql/ at build time. */
#ifndef DAUYS_SQL_SQL_H
#define DAUYS_SQL_SQL_H

/* The workspace schema (sql/schema.sql). */
extern const char dauys_sql_schema[];

/* The counting totals per district and question, kept by triggers (sql/tally_by_district.sql). */
extern const char dauys_sql_tally_by_district[];

/* The same, recounted from the protocols themselves (sql/tally_recount.sql). */
extern const char dauys_sql_tally_recount[];

/* Precincts without a counting protocol, by id; ?1 the limit (sql/missing_precincts.sql). */
extern const char dauys_sql_missing_precincts[];

/* Precincts of one district without a counting protocol; ?1 the district
 * (sql/missing_in_district.sql). */
extern const char dauys_sql_missing_in_district[];

/* Warning counts by code on the counting protocols (sql/warnings_counting.sql). */
extern const char dauys_sql_warnings_counting[];

/* Each counting protocol's region, on-list, in-boxes, yes and no for question
 * ?1, by precinct (sql/counting_precincts.sql). */
extern const char dauys_sql_counting_precincts[];

/* Submissions that do not count, by log index; ?1 the limit (sql/refusals.sql). */
extern const char dauys_sql_refusals[];

/* The current summary protocols with their answer rows, by level and area
 * (sql/crosscheck_summaries.sql). */
extern const char dauys_sql_crosscheck_summaries[];

/* The sums lines of the current summary protocols, by level, area and item
 * (sql/crosscheck_items.sql). */
extern const char dauys_sql_crosscheck_items[];

/* The current protocols of district ?1's precincts with their answer rows, by
 * precinct (sql/crosscheck_district.sql). */
extern const char dauys_sql_crosscheck_district[];

/* The schema version this build writes and reads (meta.schema_version). */
#define DAUYS_SQL_SCHEMA_VERSION "5"

#endif
