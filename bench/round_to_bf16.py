# Writes a copy of a safetensors file with every float tensor rounded to the nearest bfloat16 value (same dtype).
# Usage: python3 bench/round_to_bf16.py IN.safetensors OUT.safetensors (numpy). The fp32 control of docs/methods.md
# "Mixed precision": the CLIP moved by exactly bfloat16's rounding, every product still in float32.
import json, struct, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
raw = open(src, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
body = bytearray(raw[8 + n:])
changed = 0
for name, t in header.items():
    if name == '__metadata__' or t['dtype'] not in ('F32', 'F16'):
        continue
    a, b = t['data_offsets']
    dtype = '<f4' if t['dtype'] == 'F32' else '<f2'
    x = np.frombuffer(bytes(body[a:b]), dtype=dtype).astype('<f4')
    bits = x.view('<u4').astype(np.uint64)
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype('<u4')
    y = bits.view('<f4').astype(dtype)
    changed += int((y != np.frombuffer(bytes(body[a:b]), dtype=dtype)).sum())
    body[a:b] = y.tobytes()
open(dst, 'wb').write(raw[:8 + n] + bytes(body))
print("values changed:", changed)
