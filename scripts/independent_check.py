#!/usr/bin/env python3
"""An independent check of the shipped quality models: photos they never trained on, distorted
by a separate pipeline (Pillow and NumPy, not CamSteer's tfjs code) at 512 px on the long side,
labelled by a separate MS-SSIM (this file's NumPy port of Wang et al. 2003), written as a
KADID-style folder that `camsteer eval --data DIR` reads (intervals resample reference photos).

    /usr/bin/python3 scripts/independent_check.py --out /tmp/independent PHOTO...
    npx camsteer eval --model mobilenetv2 --data /tmp/independent

Distortions (5 levels each): Gaussian noise (NumPy, seeded), Gaussian blur (Pillow's
GaussianBlur) and JPEG (Pillow's encoder, libjpeg). Labels: MS-SSIM of the luma of the
distorted image against its reference, mapped to 0-100 as CamSteer maps it (docs/data.md), so
the scale matches; SRCC depends only on the order. Needs Debian's python3-numpy and python3-pil.
"""
import argparse
import math
import os

import numpy as np
from PIL import Image, ImageFilter

WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
NOISE = [0.01, 0.02, 0.04, 0.07, 0.12]
BLUR = [0.6, 1.0, 1.6, 2.6, 4.0]
JPEG = [80, 50, 25, 12, 5]


def gaussian_filter(img, sigma=1.5, size=11):
    x = np.arange(size) - (size - 1) / 2
    k = np.exp(-(x**2) / (2 * sigma**2))
    k /= k.sum()
    out = np.apply_along_axis(lambda r: np.convolve(r, k, mode="valid"), 1, img)
    return np.apply_along_axis(lambda c: np.convolve(c, k, mode="valid"), 0, out)


def ssim_parts(a, b, data_range=255.0):
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    mu_a, mu_b = gaussian_filter(a), gaussian_filter(b)
    saa = gaussian_filter(a * a) - mu_a**2
    sbb = gaussian_filter(b * b) - mu_b**2
    sab = gaussian_filter(a * b) - mu_a * mu_b
    cs = (2 * sab + c2) / (saa + sbb + c2)
    lum = (2 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
    return float(np.mean(lum * cs)), float(np.mean(cs))


def downsample(img):
    h, w = img.shape
    img = img[: h - h % 2, : w - w % 2]
    return 0.25 * (img[0::2, 0::2] + img[1::2, 0::2] + img[0::2, 1::2] + img[1::2, 1::2])


def msssim(a, b):
    value = 1.0
    for i, w in enumerate(WEIGHTS):
        s, cs = ssim_parts(a, b)
        if i == len(WEIGHTS) - 1:
            value *= max(s, 0) ** w
        else:
            value *= max(cs, 0) ** w
            a, b = downsample(a), downsample(b)
    return value


def luma(img):
    x = np.asarray(img, dtype=np.float64)
    return 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]


def score(m, d0=0.001, d1=0.5):
    d = 1 - m
    if d <= d0:
        return 100.0
    if d >= d1:
        return 0.0
    return 100 * math.log(d1 / d) / math.log(d1 / d0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("photos", nargs="+")
    a = p.parse_args()
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    rng = np.random.default_rng(a.seed)
    rows = ["dist_img,ref_img,dmos"]
    for path in sorted(a.photos):
        ref_id = os.path.splitext(os.path.basename(path))[0]
        ref = Image.open(path).convert("RGB")
        f = min(1.0, a.size / max(ref.size))
        ref = ref.resize((max(1, round(ref.width * f)), max(1, round(ref.height * f))), Image.LANCZOS)
        ref_name = f"{ref_id}.png"
        ref.save(os.path.join(a.out, "images", ref_name))
        ref_l = luma(ref)
        copies = []
        for lvl, s in enumerate(NOISE, 1):
            x = np.asarray(ref, dtype=np.float64) / 255 + rng.normal(0, s, (ref.height, ref.width, 3))
            copies.append((f"noise{lvl}", Image.fromarray(np.uint8(np.clip(x, 0, 1) * 255 + 0.5))))
        for lvl, s in enumerate(BLUR, 1):
            copies.append((f"blur{lvl}", ref.filter(ImageFilter.GaussianBlur(s))))
        for lvl, q in enumerate(JPEG, 1):
            tmp = os.path.join(a.out, "images", f"_tmp.jpg")
            ref.save(tmp, quality=q)
            copies.append((f"jpeg{lvl}", Image.open(tmp).convert("RGB")))
        for tag, img in copies:
            name = f"{ref_id}_{tag}.png"
            img.save(os.path.join(a.out, "images", name))
            rows.append(f"{name},{ref_name},{score(msssim(ref_l, luma(img))):.4f}")
        os.remove(os.path.join(a.out, "images", "_tmp.jpg"))
        print(ref_id, "done", flush=True)
    with open(os.path.join(a.out, "dmos.csv"), "w") as fh:
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
