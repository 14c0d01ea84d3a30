#!/usr/bin/env python3
# bench-pseudonymise.py: README.md's pseudonym construction with Python's hmac (OpenSSL inside), the
# peer of `koppel pseudonymise --key-file KEY --bsn COL` in scripts/bench: BSN normalised (spaces,
# dots, hyphens out; 8 digits get a leading 0; elfproef; 000000000 refused), then the lower-case hex
# of the first 16 bytes of HMAC-SHA256(K, "bsn:" BSN) in place of the BSN; K is the master key
# (no project). A record whose BSN fails is left out and counted on standard error.
# Usage: bench-pseudonymise.py KEY_FILE COLUMN CSV_FILE > pseudonymised.csv
import csv
import hmac
import sys

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def normalise(value):
    digits = value.replace(" ", "").replace(".", "").replace("-", "")
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit() or digits == "000000000":
        return None
    if sum(w * int(d) for w, d in zip(WEIGHTS, digits)) % 11:
        return None
    return digits


def main():
    key_file, column, path = sys.argv[1:4]
    with open(key_file, encoding="ascii") as f:
        key = bytes.fromhex(f.read().strip())
    if len(key) != 32:
        sys.exit("bench-pseudonymise: the key must be 64 hexadecimal characters")
    rejected = 0
    with open(path, newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        writer = csv.writer(sys.stdout, lineterminator="\n")
        header = next(reader)
        index = header.index(column)
        writer.writerow(header)
        digest = hmac.digest
        for record in reader:
            bsn = normalise(record[index])
            if bsn is None:
                rejected += 1
                continue
            record[index] = digest(key, b"bsn:" + bsn.encode(), "sha256")[:16].hex()
            writer.writerow(record)
    if rejected:
        print(f"bench-pseudonymise: {rejected} records with a bad BSN left out", file=sys.stderr)


if __name__ == "__main__":
    main()
