#!/usr/bin/env python3
"""Renders a terminal capture (tmux capture-pane -e -p output, with colours) to a PNG.

Usage: scripts/screenshot.py CAPTURE.txt WIDTH HEIGHT OUT.png
Needs pyte and pillow (scripts/screenshot.sh sets up a venv) and DejaVu Sans Mono.
"""
import sys

import pyte
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
PALETTE = {
    "black": (30, 30, 30), "red": (224, 108, 117), "green": (152, 195, 121),
    "brown": (229, 192, 123), "yellow": (229, 192, 123), "blue": (97, 175, 239),
    "magenta": (198, 120, 221), "cyan": (86, 182, 194), "white": (220, 223, 228),
    "brightblack": (110, 110, 110), "default_fg": (220, 223, 228), "default_bg": (24, 26, 31),
}


def colour(name, default):
    if name == "default":
        return PALETTE[default]
    if name in PALETTE:
        return PALETTE[name]
    if len(name) == 6:
        try:
            return tuple(int(name[i:i + 2], 16) for i in (0, 2, 4))
        except ValueError:
            pass
    return PALETTE[default]


def main(capture, width, height, out):
    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    text = open(capture, encoding="utf-8").read()
    # capture-pane ends lines with \n only; the emulator needs CR too.
    stream.feed(text.rstrip("\n").replace("\n", "\r\n"))
    font = ImageFont.truetype(FONT, 15)
    bold = ImageFont.truetype(BOLD, 15)
    cw = int(font.getlength("M"))
    ch = 19
    img = Image.new("RGB", (cw * width + 16, ch * height + 16), PALETTE["default_bg"])
    draw = ImageDraw.Draw(img)
    for y in range(height):
        row = screen.buffer[y]
        for x in range(width):
            c = row[x]
            fg = colour(c.fg, "default_fg")
            bg = colour(c.bg, "default_bg")
            if c.reverse:
                fg, bg = bg, fg
            if c.fg == "black" and c.bg == "default":
                fg = PALETTE["brightblack"]
            px, py = 8 + x * cw, 8 + y * ch
            if bg != PALETTE["default_bg"]:
                draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=bg)
            if c.data.strip():
                draw.text((px, py), c.data, font=bold if c.bold else font, fill=fg)
    img.save(out)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
