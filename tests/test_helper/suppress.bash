# suppress.bash: helpers the suppress tests share.

# suppressed CSV DIMS: the suppressed records of a CSV with a status column, "codes:status"
# per line (codes of the dimensions DIMS, comma-separated).
suppressed() {
    awk -F, -v dims="$2" '
        NR == 1 { n = split(dims, d, ","); for (i = 1; i <= NF; i++) col[$i] = i; next }
        $col["status"] == "u" || $col["status"] == "x" {
            s = ""
            for (k = 1; k <= n; k++) s = s (k > 1 ? "," : "") $col[d[k]]
            print s ":" $col["status"]
        }' "$1"
}
