"""Pictures made with Pillow for the listing image tests (no files are shipped)."""

from __future__ import annotations

import io

from PIL import ExifTags, Image


def picture(
    fmt: str = "JPEG",
    size: tuple[int, int] = (400, 300),
    colour=(200, 60, 40),
    *,
    mode: str = "RGB",
    exif: Image.Exif | None = None,
    **save,
) -> bytes:
    image = Image.new(mode, size, colour)
    out = io.BytesIO()
    if exif is not None:
        save["exif"] = exif.tobytes()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: the camera, where the photo was taken, and which way up."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 40.0),
    }
    return exif


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
