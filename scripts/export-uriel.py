#!/usr/bin/env python3
"""Export URIEL typological distances between longtail's languages from the lang2vec package.

Writes one JSON file (default third_party/uriel/uriel-distances.json) that the C++ reader
harness/data/uriel.h loads without Python. Run it through scripts/export-uriel.sh, which installs
lang2vec into a private virtual environment; the exported file is committed, so neither CI nor a
build needs Python or lang2vec.

    scripts/export-uriel.sh                         # every language longtail's corpora can produce
    scripts/export-uriel.sh --languages fr,de,kk    # only these (longtail codes or ISO 639-3)

Why the distances are computed here: the lang2vec release on PyPI (1.1.2) ships URIEL's feature
vectors but not the pre-computed distance matrices of lang2vec's `distance()` (a separate
download, not in the package), and those matrices cannot be reproduced from the shipped vectors
(lang2vec issue #17). So each distance below is our own definition over the shipped vectors,
following the descriptions in Littell et al. (2017), and is recorded in the output's
"source.definitions":

  syntactic     cosine distance of the syntax_knn vectors (103 binary WALS/SSWL/Ethnologue
                features, missing values filled by URIEL's k-nearest-neighbour prediction)
  phonological  cosine distance of the phonology_knn vectors (28 features)
  inventory     cosine distance of the inventory_knn vectors (158 PHOIBLE/Ethnologue features)
  genetic       1 - shared / (max(depth_a, depth_b) + 1), where depth is the number of Glottolog
                family nodes above a language (the "fam" set) and shared the number of nodes they
                have in common; the +1 counts the language itself, so two distinct languages
                under the same node are not at distance 0 (this reproduces lang2vec's published
                genetic distance frr-dan = 0.625). No family data: distance 1 to every other language.
  geographic    great-circle distance / half the Earth's circumference, between coordinates
                recovered from the "geo" set (each of its 299 entries is that normalised distance
                to a fixed point GC_<lat>_<lon>; we solve for the point by least squares)
  featural      cosine distance of the concatenation fam + geo + syntax_knn + phonology_knn +
                inventory_knn (all five sources in one vector, as the paper's "featural" distance)

Distances are rounded to 4 decimals, like lang2vec's. The matrices are stored as lower triangles
over "codes" (ISO 639-3, sorted): distances[kind][i][j] = d(codes[i], codes[j]) for j < i.
"""
import argparse
import datetime
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# ---- longtail code -> ISO 639-3 candidates, first usable one wins ----
# Individual-language codes come before macrolanguage ones (URIEL's data sits on individual
# languages: Standard Arabic, Iranian Persian, Mandarin, ...). Region and script variants map to
# their language: the typology of pt_BR and pt is the same entry.
ISO639_3 = {
    "ab": ["abk"], "ace": ["ace"], "ach": ["ach"], "af": ["afr"], "ak": ["aka", "twi"], "am": ["amh"],
    "an": ["arg"], "ang": ["ang"], "ar": ["arb", "ara"], "ar_SA": ["arb", "ara"], "as": ["asm"],
    "ast": ["ast"], "ay": ["ayr", "aym"], "az": ["azj", "aze"], "az_IR": ["azb"], "ba": ["bak"],
    "bar": ["bar"], "be": ["bel"], "be@latin": ["bel"], "bg": ["bul"], "bi": ["bis"], "bn": ["ben"],
    "bn_BD": ["ben"], "bn_IN": ["ben"], "bo": ["bod"], "br": ["bre"], "brx": ["brx"], "bs": ["bos"],
    "byn": ["byn"], "ca": ["cat"], "ca@valencia": ["cat"], "ce": ["che"], "ch": ["cha"],
    "chr": ["chr"], "ckb": ["ckb"], "crh": ["crh"], "cs": ["ces"], "csb": ["csb"], "cv": ["chv"],
    "cy": ["cym"], "da": ["dan"], "de": ["deu"], "dv": ["div"], "dz": ["dzo"], "ee": ["ewe"],
    "el": ["ell"], "en": ["eng"], "eo": ["epo"], "es": ["spa"], "es_AR": ["spa"], "et": ["ekk", "est"],
    "eu": ["eus"], "fa": ["pes", "fas"], "ff": ["fuv", "ful"], "fi": ["fin"], "fil": ["fil", "tgl"],
    "fo": ["fao"], "fr": ["fra"], "fr-ca": ["fra"], "frp": ["frp"], "fur": ["fur"], "fy": ["fry"],
    "ga": ["gle"], "gd": ["gla"], "gez": ["gez"], "gl": ["glg"], "gn": ["gug", "grn"], "gu": ["guj"],
    "gv": ["glv"], "ha": ["hau"], "haw": ["haw"], "he": ["heb"], "hi": ["hin"], "hr": ["hrv"],
    "ht": ["hat"], "hu": ["hun"], "hy": ["hye"], "ia": ["ina"], "id": ["ind"], "ie": ["ile"],
    "ig": ["ibo"], "ilo": ["ilo"], "io": ["ido"], "is": ["isl"], "it": ["ita"], "iu": ["ike", "iku"],
    "ja": ["jpn"], "jam": ["jam"], "ka": ["kat"], "kab": ["kab"], "kg": ["kng", "kon"], "ki": ["kik"],
    "kk": ["kaz"], "kl": ["kal"], "km": ["khm"], "kmr": ["kmr"], "kn": ["kan"], "ko": ["kor"],
    "kok": ["gom", "knn", "kok"], "ks": ["kas"], "ku": ["kmr", "kur"], "ku_IQ": ["ckb"],
    "kv": ["kpv", "kom"], "kw": ["cor"], "ky": ["kir"], "la": ["lat"], "lg": ["lug"], "li": ["lim"],
    "ln": ["lin"], "lo": ["lao"], "lt": ["lit"], "lv": ["lvs", "lav"], "mai": ["mai"], "mg": ["plt", "mlg"],
    "mhr": ["mhr"], "mi": ["mri"], "mjw": ["mjw"], "mk": ["mkd"], "ml": ["mal"], "mn": ["khk", "mon"],
    "mo": ["ron"], "mr": ["mar"], "ms": ["zsm", "msa"], "ms_MY": ["zsm", "msa"], "mt": ["mlt"],
    "my": ["mya"], "my_MM": ["mya"], "na": ["nau"], "nah": ["nhe", "nhi", "nch"], "nb": ["nob", "nor"],
    "nds": ["nds"], "ne": ["npi", "nep"], "nl": ["nld"], "nn": ["nno", "nor"], "no": ["nob", "nor"],
    "nso": ["nso"], "nv": ["nav"], "oc": ["oci"], "or": ["ory", "ori"], "pa": ["pan"], "pa_PK": ["pnb"],
    "pap": ["pap"], "pi": ["pli"], "pl": ["pol"], "ps": ["pbu", "pus"], "pt": ["por"], "pt_BR": ["por"],
    "pt-br": ["por"], "ro": ["ron"], "ro_MD": ["ron"], "ru": ["rus"], "ru_UA": ["rus"], "rw": ["kin"],
    "sc": ["srd"], "sd": ["snd"], "se": ["sme"], "sh": ["hbs"], "si": ["sin"], "sk": ["slk"],
    "sl": ["slv"], "so": ["som"], "son": ["ses", "khq"], "sq": ["als", "sqi"], "sr": ["srp"],
    "sr@ije": ["srp"], "sr@latin": ["srp"], "sv": ["swe"], "sw": ["swh", "swa"], "ta": ["tam"],
    "te": ["tel"], "tg": ["tgk"], "th": ["tha"], "ti": ["tir"], "tig": ["tig"], "tk": ["tuk"],
    "tl": ["tgl"], "tr": ["tur"], "tt": ["tat"], "tt@iqtelif": ["tat"], "tzm": ["tzm"], "ug": ["uig"],
    "uk": ["ukr"], "ur": ["urd"], "uz": ["uzn", "uzb"], "uz@cyrillic": ["uzn", "uzb"], "ve": ["ven"],
    "vi": ["vie"], "wa": ["wln"], "wal": ["wal"], "wo": ["wol"], "xh": ["xho"], "yi": ["ydd", "yid"],
    "yo": ["yor"], "zh": ["cmn", "zho"], "zh_CN": ["cmn", "zho"], "zh-cn": ["cmn", "zho"],
    # zh_HK catalogs are written Standard Chinese in traditional characters (mostly zh_TW's), not Cantonese.
    "zh_HK": ["cmn", "zho"], "zh_TW": ["cmn", "zho"], "zh-tw": ["cmn", "zho"], "zu": ["zul"],
}

# lang2vec gives these individual-language codes no Glottolog family nodes although their
# macrolanguage has them; the genetic distance uses the macrolanguage's path.
FAMILY_FROM = {"nob": "nor", "nno": "nor", "ekk": "est", "lvs": "lav"}

# Every locale of the built-in gettext corpus (docs/corpora.md, "Measured": the 117 kept and the
# 74 dropped below min_pairs, which a lower --min-pairs keeps).
GETTEXT_LOCALES = """
ab af am an ar as ast az be be@latin bg bn bn_IN br brx bs ca ca@valencia ckb crh cs cy da de dz
el eo es es_AR et eu fa fi fr fur ga gd gl gu gv he hi hr hu hy ia id ie is it ja ka kab kk km kn
ko ku ky lg li ln lt lv mai mg mhr mk ml mn mr ms ms_MY my my_MM nb nds ne nl nn nso oc or pa pl
ps pt pt_BR ro ru rw si sk sl sq sr sr@ije sr@latin sv ta te tg th tk tr ug uk ur uz uz@cyrillic
vi wa xh zh_CN zh_HK zh_TW zu
ace ach ak ang ar_SA ay az_IR ba bar bi bn_BD bo byn ce ch chr csb cv dv ee ff fil fo frp fy gez
gn ha haw ht ig ilo io iu jam kg ki kl kmr kok ks ku_IQ kv kw la lo mi mjw mo mt na nah nv pa_PK
pap pi ro_MD ru_UA sc sd so son sw ti tig tl tt tt@iqtelif tzm ve wal wo yi yo
""".split()

# OPUS-100's 99 English-centric pairs (Zhang et al., 2020), which harness/data/readers.h imports.
OPUS100 = """
af am an ar as az be bg bn br bs ca cs cy da de dz el eo es et eu fa fi fr fy ga gd gl gu ha he hi
hr hu hy id ig is it ja ka kk km kn ko ku ky li lt lv mg mk ml mn mr ms mt my nb ne nl nn no oc or
pa pl ps pt ro ru rw se sh si sk sl sq sr sv ta te tg th tk tr tt ug uk ur uz vi wa xh yi yo zh zu
""".split()

KINDS = ["syntactic", "phonological", "inventory", "genetic", "geographic", "featural"]

DEFINITIONS = {
    "syntactic": "cosine distance of lang2vec syntax_knn vectors",
    "phonological": "cosine distance of lang2vec phonology_knn vectors",
    "inventory": "cosine distance of lang2vec inventory_knn vectors",
    "genetic": "1 - shared/(max(depth_a, depth_b) + 1) over lang2vec fam (Glottolog) nodes; 1 without family data",
    "geographic": "great-circle distance / (pi * R) between coordinates recovered from lang2vec geo",
    "featural": "cosine distance of lang2vec fam+geo+syntax_knn+phonology_knn+inventory_knn",
}


def suite_languages():
    """Languages of the suites that name a dataset's languages (TED-8, ML-50, OPUS-100)."""
    out = []
    suites = os.path.join(ROOT, "suites")
    for name in sorted(os.listdir(suites)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(suites, name)) as f:
            suite = json.load(f)
        for ds in suite.get("datasets", []):
            out += [l for l in ds.get("languages", []) if isinstance(l, str)]
    return out


def default_languages():
    seen, out = set(), []
    for l in ["en"] + GETTEXT_LOCALES + OPUS100 + suite_languages():
        if l not in seen:
            seen.add(l)
            out.append(l)
    return out


def cosine_distance(a, b):
    na, nb = math.sqrt(float(a @ a)), math.sqrt(float(b @ b))
    if na == 0.0 or nb == 0.0:
        return 1.0  # an all-zero vector shares nothing with any other
    return max(0.0, 1.0 - float(a @ b) / (na * nb))


def great_circle(lat1, lon1, lat2, lon2):
    """Great-circle distance / (pi R), for scalars or numpy arrays, in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(np.radians(lon2 - lon1))
    return np.arccos(np.clip(c, -1.0, 1.0)) / np.pi


def locate(geo, points):
    """The (lat, lon) whose normalised distances to `points` best fit `geo` (least squares)."""
    best = None
    for step, span in ((2.0, None), (0.05, 2.0), (0.001, 0.05)):
        if best is None:
            lats, lons = np.arange(-90, 90.001, step), np.arange(-180, 180, step)
        else:
            lats = np.arange(best[0] - span, best[0] + span + step / 2, step)
            lons = np.arange(best[1] - span, best[1] + span + step / 2, step)
        la, lo = np.meshgrid(lats, lons, indexing="ij")
        la, lo = la.ravel(), lo.ravel()
        d = great_circle(la[:, None], lo[:, None], points[None, :, 0], points[None, :, 1])
        err = ((d - geo[None, :]) ** 2).sum(axis=1)
        i = int(np.argmin(err))
        best = (float(la[i]), float(lo[i]))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--languages", help="comma-separated longtail codes (fr, pt_BR) or ISO 639-3 codes; "
                    "default: every language of the gettext corpus, OPUS-100 and the suites, and en")
    ap.add_argument("--output", default=os.path.join(ROOT, "third_party", "uriel", "uriel-distances.json"))
    ap.add_argument("--date", default=datetime.date.today().isoformat(), help="export date to record")
    args = ap.parse_args()

    import lang2vec.lang2vec as l2v
    from importlib.metadata import version

    langs = [l.strip() for l in args.languages.split(",") if l.strip()] if args.languages else default_languages()

    def features(codes, fs, header=False):
        return l2v.get_features(list(codes), fs, header=header)

    def usable(iso):
        """None if lang2vec has every set we need for `iso`, else the reason."""
        try:
            v = features([iso], "syntax_knn+phonology_knn+inventory_knn+geo")[iso]
        except Exception:
            return "not in URIEL"
        if any(x == "--" for x in v):
            return "incomplete syntax/phonology/inventory/geo vectors"
        return None

    chosen, missing, notes, cache = {}, {}, {}, {}
    for lang in langs:
        cands = ISO639_3.get(lang)
        if cands is None:
            if len(lang) == 3 and lang.islower():
                cands = [lang]  # already ISO 639-3
            else:
                missing[lang] = ("no ISO 639-3 mapping in scripts/export-uriel.py (add it to ISO639_3, or pass "
                                 "the ISO 639-3 code)")
                continue
        reasons = []
        for iso in cands:
            if iso not in cache:
                cache[iso] = usable(iso)
            if cache[iso] is None:
                chosen[lang] = iso
                break
            reasons.append(f"{iso}: {cache[iso]}")
        if lang not in chosen:
            missing[lang] = "lang2vec lacks it (" + "; ".join(reasons) + ")"
        elif reasons:
            notes[lang] = "used " + chosen[lang] + " (" + "; ".join(reasons) + ")"

    for lang, iso in chosen.items():
        if iso in FAMILY_FROM:
            notes[lang] = (notes[lang] + "; " if lang in notes else "") + \
                f"genetic distance from {FAMILY_FROM[iso]}'s family path (lang2vec has none for {iso})"
    codes = sorted(set(chosen.values()))
    n = len(codes)
    print(f"{len(chosen)} languages -> {n} ISO 639-3 codes; {len(missing)} missing", file=sys.stderr)

    knn = {}
    for fs in ("syntax_knn", "phonology_knn", "inventory_knn"):
        got = features(codes, fs)
        knn[fs] = np.array([got[c] for c in codes], dtype=float)
    geo_named = features(codes, "geo", header=True)
    points = np.array([[float(x) for x in name[3:].split("_")] for name in geo_named["CODE"]])
    geo = np.array([geo_named[c] for c in codes], dtype=float)
    fam_named = features(sorted(set(codes) | set(FAMILY_FROM.values())), "fam", header=True)
    fam_names = fam_named["CODE"]

    def family(iso):
        own = [str(f) for f, x in zip(fam_names, fam_named[iso]) if x == 1.0]
        if not own and iso in FAMILY_FROM:
            return [str(f) for f, x in zip(fam_names, fam_named[FAMILY_FROM[iso]]) if x == 1.0]
        return own

    fam = {c: family(c) for c in codes}
    fam_vec = np.array([[1.0 if x == 1.0 else 0.0 for x in fam_named[c]] for c in codes])
    coords = {c: locate(geo[i], points) for i, c in enumerate(codes)}
    featural = np.concatenate([fam_vec, geo, knn["syntax_knn"], knn["phonology_knn"], knn["inventory_knn"]], axis=1)

    def genetic(a, b):
        fa, fb = set(fam[a]), set(fam[b])
        if not fa or not fb:
            return 1.0
        return 1.0 - len(fa & fb) / (max(len(fa), len(fb)) + 1)

    def dist(kind, i, j):
        a, b = codes[i], codes[j]
        if kind == "syntactic":
            return cosine_distance(knn["syntax_knn"][i], knn["syntax_knn"][j])
        if kind == "phonological":
            return cosine_distance(knn["phonology_knn"][i], knn["phonology_knn"][j])
        if kind == "inventory":
            return cosine_distance(knn["inventory_knn"][i], knn["inventory_knn"][j])
        if kind == "genetic":
            return genetic(a, b)
        if kind == "geographic":
            return float(great_circle(*coords[a], *coords[b]))
        return cosine_distance(featural[i], featural[j])

    distances = {k: [[round(dist(k, i, j), 4) for j in range(i)] for i in range(n)] for k in KINDS}

    # lang2vec's README publishes a few of its pre-computed distances; report how ours compare.
    for kind, a, b, ref in (("geographic", "frr", "dan", 0.0028), ("geographic", "frr", "deu", 0.0359),
                            ("geographic", "dan", "deu", 0.0361), ("genetic", "frr", "dan", 0.625)):
        sub = ["frr", "dan", "deu"]
        fsub = features(sub, "fam", header=True)
        if kind == "genetic":
            fa = {f for f, x in zip(fsub["CODE"], fsub[a]) if x == 1.0}
            fb = {f for f, x in zip(fsub["CODE"], fsub[b]) if x == 1.0}
            ours = 1.0 - len(fa & fb) / (max(len(fa), len(fb)) + 1)
        else:
            gsub = features(sub, "geo")
            ours = float(great_circle(*locate(np.array(gsub[a], float), points),
                                      *locate(np.array(gsub[b], float), points)))
        print(f"check {kind} {a}-{b}: ours {ours:.4f}, lang2vec's pre-computed {ref}", file=sys.stderr)

    out = {
        "source": {
            "package": "lang2vec",
            "version": version("lang2vec"),
            "date": args.date,
            "command": "scripts/export-uriel.sh" + (f" --languages {args.languages}" if args.languages else ""),
            "citation": "Littell et al. (2017), URIEL and lang2vec: Representing languages as typological, "
                        "geographical, and phylogenetic vectors, EACL",
            "license": "CC BY-SA 4.0",
            "definitions": DEFINITIONS,
        },
        "languages": dict(sorted(chosen.items())),
        "missing": dict(sorted(missing.items())),
        "notes": dict(sorted(notes.items())),
        "codes": codes,
        "families": {c: fam[c] for c in codes},
        "coordinates": {c: [round(coords[c][0], 3), round(coords[c][1], 3)] for c in codes},
        "distances": distances,
    }
    write(out, args.output)
    print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes)", file=sys.stderr)


def write(out, path):
    """JSON with one matrix row per line: small, and diffs of a re-export stay readable."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    lines = ["{"]
    keys = list(out)
    for k in keys:
        sep = "," if k != keys[-1] else ""
        if k == "distances":
            lines.append('  "distances": {')
            kinds = list(out[k])
            for kind in kinds:
                rows = out[k][kind]
                lines.append(f'    "{kind}": [')
                for i, row in enumerate(rows):
                    lines.append("      " + json.dumps(row, separators=(",", ":")) + ("," if i + 1 < len(rows) else ""))
                lines.append("    ]" + ("," if kind != kinds[-1] else ""))
            lines.append("  }" + sep)
        elif isinstance(out[k], dict) and out[k] and k != "source":
            lines.append(f'  "{k}": {{')
            items = list(out[k].items())
            for i, (name, value) in enumerate(items):
                lines.append(f"    {json.dumps(name)}: " + json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                             + ("," if i + 1 < len(items) else ""))
            lines.append("  }" + sep)
        else:
            lines.append(f'  "{k}": ' + json.dumps(out[k], ensure_ascii=False, indent=None) + sep)
    lines.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
