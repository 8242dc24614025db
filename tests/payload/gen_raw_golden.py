#!/usr/bin/python3
"""Writes tests/payload/data/raw_golden.json: raw tensor bytes as numpy lays them out.

Run with Debian's interpreter (python3-numpy):
    /usr/bin/python3 tests/payload/gen_raw_golden.py
Each case gives a datatype, a shape, the values and the hex of
np.array(values, dtype='<...').reshape(shape).tobytes(), i.e. little-endian and row-major (C
order), which is what the Open Inference Protocol's raw contents are. The C++ test decodes the hex
as raw contents and expects the values. Values are written as numpy holds them after conversion
(e.g. 0.1 as the nearest float16), so the comparison is exact; non-finite floats are the strings
"inf", "-inf" and "nan" because JSON has no literal for them. BF16 has no numpy dtype: its bytes
are the upper halves of float32 values that bfloat16 represents exactly.
"""

import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "raw_golden.json")

INF = float("inf")
NAN = float("nan")

# (datatype, numpy dtype, shape, values)
CASES = [
    ("BOOL", "|b1", [2, 3], [True, False, False, True, True, False]),
    ("UINT8", "|u1", [4], [0, 1, 128, 255]),
    ("UINT16", "<u2", [4], [0, 1, 258, 65535]),
    ("UINT32", "<u4", [2, 2], [0, 1, 16909060, 2**32 - 1]),
    ("UINT64", "<u8", [4], [0, 1, 2**53 + 1, 2**64 - 1]),
    ("INT8", "|i1", [5], [-128, -1, 0, 1, 127]),
    ("INT16", "<i2", [5], [-32768, -2, 0, 258, 32767]),
    ("INT32", "<i4", [5], [-2**31, -70000, 0, 16909060, 2**31 - 1]),
    ("INT64", "<i8", [5], [-2**63, -2**53 - 1, -2, 72623859790382856, 2**63 - 1]),
    ("FP16", "<f2", [3, 3],
     [1.0, -2.5, 65504.0, 2.0**-24, 1023 * 2.0**-24, 0.1, INF, -INF, NAN]),
    ("FP16", "<f2", [2], [-0.0, 2.0**-14]),
    ("FP32", "<f4", [2, 4], [1.0, -2.5, 0.1, 3.4028234663852886e38, 1.401298464324817e-45, -0.0,
                             INF, NAN]),
    ("FP64", "<f8", [6], [1.0, -2.5, 0.1, 1.7976931348623157e308, 5e-324, -INF]),
    ("FP64", "<f8", [], [math.pi]),
    ("INT32", "<i4", [0, 3], []),
]

# bfloat16 values with at most 8 significant bits, so float32 -> upper 16 bits is exact.
BF16_VALUES = [1.0, -2.5, 3.140625, 2.0**-126, 2.0**-133, -0.0, INF, -INF]


def json_value(v):
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    f = float(v)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def case(datatype, dtype, shape, values):
    array = np.array(values, dtype=dtype).reshape(shape)
    return {
        "datatype": datatype,
        "numpy_dtype": dtype,
        "shape": shape,
        "values": [json_value(v) for v in array.reshape(-1).tolist()],
        "hex": array.tobytes().hex(),
    }


def bf16_case():
    f32 = np.array(BF16_VALUES, dtype="<f4")
    bits = f32.view("<u4")
    assert np.all(bits & 0xFFFF == 0), "a BF16 value is not exactly representable"
    upper = (bits >> 16).astype("<u2")
    return {
        "datatype": "BF16",
        "numpy_dtype": "<f4 >> 16",
        "shape": [len(BF16_VALUES)],
        "values": [json_value(v) for v in f32.tolist()],
        "hex": upper.tobytes().hex(),
    }


def main():
    doc = {
        "generator": "tests/payload/gen_raw_golden.py",
        "numpy": np.__version__,
        "cases": [case(*c) for c in CASES] + [bf16_case()],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    # One case per line: small diffs when a case changes.
    with open(OUT, "w") as f:
        f.write('{"generator": %s, "numpy": %s, "cases": [\n' %
                (json.dumps(doc["generator"]), json.dumps(doc["numpy"])))
        f.write(",\n".join(json.dumps(c) for c in doc["cases"]))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
