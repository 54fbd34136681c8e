#!/usr/bin/env python3
"""Writes the seed corpora of every target into fuzz/corpus/<target>/ from the repository's data
folders: whole files, the first rows of each file, and single rows. Run from anywhere; seeds are
named by content hash, so running it again adds nothing twice.

Dates 1900-2099 in CSV and folder seeds are moved 400 years later, like the harness's base folder
(see `shift_dates` in fuzz/src/lib.rs): instants in 1900-2100 make the library build its
time-zone offset table, which costs ~75 ms per run under instrumentation. A few seeds keep their
real dates so that path stays covered."""
import hashlib
import pathlib
import re

FUZZ = pathlib.Path(__file__).resolve().parent.parent
ROOT = FUZZ.parent
FOLDERS = [
    ROOT / "tests/data/minimal",
    ROOT / "examples/data/linkedin-premium",
    *sorted((ROOT / "tests/data/reference").glob("*/input")),
]
CSV = ["members", "subscriptions", "evidence", "opt_outs", "claims", "cures"]
SEP = b"\xff"


def save(target, data):
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


DATE = re.compile(rb"(?<![0-9])(19|20)([0-9]{2}-[0-9]{2}-[0-9]{2})")


def shift(data):
    return DATE.sub(lambda m: str(int(m.group(1)) + 4).encode() + m.group(2), data)


def head(data, rows):
    return b"".join(data.splitlines(keepends=True)[: rows + 1])


for folder in FOLDERS:
    for name in CSV:
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        real = path.read_bytes()
        if folder == FOLDERS[0]:
            save(name, b"\x01" + real)  # real dates: the slow path, kept covered
        data = shift(real)
        lines = data.splitlines()
        # Odd first byte: the bytes are the whole file.
        save(name, b"\x01" + data)
        save(name, b"\x03" + head(data, 8))
        # Even first byte: the harness prepends a valid header; give it single rows and pairs.
        for i, row in enumerate(lines[1:6], start=1):
            save(name, b"\x00" + row + b"\n")
        save(name, b"\x02" + b"\r\n".join(lines[1:4]) + b"\r\n")
        # Mode 0b110 + offset: a padding row makes the reader's buffer refill fall inside the rows.
        for k in (0, 1, 3, 8):
            save(name, bytes([0b110 | (k << 3)]) + b"\n".join(lines[1:5]) + b"\n")
    for case in sorted(folder.glob("*.toml")):
        save("case_file", case.read_bytes())
    case = shift((folder / "case.toml").read_bytes())
    parts = [case]
    small = [case]
    for name in CSV:
        path = folder / f"{name}.csv"
        data = shift(path.read_bytes()) if path.exists() else b""
        parts.append(data)
        small.append(head(data, 6))
    save("data_folder", SEP.join(parts))
    save("data_folder", SEP.join(small))
# The minimal folder with its real dates; a folder with every part but the case left at the base
# defaults; one without the optional files.
minimal = FOLDERS[0]
save("data_folder", SEP.join([(minimal / "case.toml").read_bytes()] + [(minimal / f"{n}.csv").read_bytes() for n in CSV]))
save("data_folder", shift((minimal / "case.toml").read_bytes()))
save(
    "data_folder",
    shift(SEP.join(
        [(minimal / "case.toml").read_bytes()]
        + [(minimal / f"{n}.csv").read_bytes() for n in CSV[:3]]
        + [b""]
        + [(minimal / "claims.csv").read_bytes(), b""]
    )),
)
# The settlement variant of the example, with the fund.
save(
    "data_folder",
    shift(SEP.join(
        [(ROOT / "examples/data/linkedin-premium/settlement.toml").read_bytes()]
        + [head((ROOT / f"examples/data/linkedin-premium/{n}.csv").read_bytes(), 10) for n in CSV]
    )),
)
for t in sorted((FUZZ / "corpus").iterdir()):
    print(t.name, len(list(t.iterdir())))
