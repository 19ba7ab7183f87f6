#!/usr/bin/env python3
"""Writes assets/sounds/tijd-om.wav: the short, soft chime the facilitator's and the projector's app
play when a sketch's time is up. Two bell-like tones (E5 then C5) with a quick attack and a long
decay; 16-bit mono at 22,050 Hz, about 1.2 s. Run it again only to change the sound."""
import math, struct, wave, pathlib

RATE = 22050
out = pathlib.Path(__file__).resolve().parent.parent / "assets" / "sounds" / "tijd-om.wav"

def bell(freq, start, length, total):
    samples = [0.0] * total
    for i in range(int(length * RATE)):
        t = i / RATE
        env = min(1.0, t / 0.01) * math.exp(-t * 3.2)
        v = math.sin(2 * math.pi * freq * t) + 0.35 * math.sin(2 * math.pi * freq * 2.01 * t) * math.exp(-t * 6)
        j = int(start * RATE) + i
        if j < total:
            samples[j] += env * v
    return samples

total = int(1.25 * RATE)
a = bell(659.25, 0.0, 1.25, total)
b = bell(523.25, 0.32, 0.93, total)
mix = [x + y for x, y in zip(a, b)]
peak = max(abs(x) for x in mix)
with wave.open(str(out), "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(RATE)
    w.writeframes(b"".join(struct.pack("<h", int(x / peak * 0.6 * 32767)) for x in mix))
print(f"wrote {out} ({out.stat().st_size} bytes)")
