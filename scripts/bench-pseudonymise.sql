-- bench-pseudonymise.sql: the pseudonym construction of README.md in DuckDB SQL, the peer of
-- `koppel pseudonymise --key-file KEY --bsn bsn` in scripts/bench. HMAC-SHA256 built from
-- sha256() as RFC 2104 defines it: H((K xor opad) || H((K xor ipad) || message)), with the two
-- padded keys ({{ipad}}, {{opad}}: 64 bytes in hex) computed from the key file by the caller.
-- BSN normalised (spaces, dots, hyphens out; 8 digits get a leading 0), elfproef, 000000000
-- refused: a record that fails is left out. Reads {{input}}, writes CSV to standard output.
CREATE MACRO bsn_digits(b) AS regexp_replace(b, '[ .-]', '', 'g');
CREATE MACRO bsn_nine(d) AS CASE WHEN length(d) = 8 THEN '0' || d ELSE d END;
CREATE MACRO elfproef(n) AS regexp_full_match(n, '[0-9]{9}') AND n <> '000000000'
    AND (9 * CAST(n[1] AS INTEGER) + 8 * CAST(n[2] AS INTEGER) + 7 * CAST(n[3] AS INTEGER)
         + 6 * CAST(n[4] AS INTEGER) + 5 * CAST(n[5] AS INTEGER) + 4 * CAST(n[6] AS INTEGER)
         + 3 * CAST(n[7] AS INTEGER) + 2 * CAST(n[8] AS INTEGER) - CAST(n[9] AS INTEGER)) % 11 = 0;
CREATE MACRO pseudonym(n) AS
    left(sha256(unhex('{{opad}}') || unhex(sha256(unhex('{{ipad}}') || encode('bsn:' || n)))), 32);

COPY (
    SELECT * REPLACE (pseudonym(bsn) AS bsn)
    FROM (SELECT * REPLACE (bsn_nine(bsn_digits(bsn)) AS bsn)
          FROM read_csv('{{input}}', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"'))
    WHERE elfproef(bsn)
) TO '/dev/stdout' (FORMAT csv, HEADER);
