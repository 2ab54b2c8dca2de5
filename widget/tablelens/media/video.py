"""`Video`: a clip, as `wandb.Video` — a numpy array of frames (encoded here) or an mp4/webm/gif/ogg file.

Files are read, and arrays encoded, with PyAV (FFmpeg, shipped in its wheel; GIFs are written with Pillow). The
facts — width, height, frames, fps, duration, codec — are read when the cell is made, so a truncated file or an
unknown codec fails there with a message naming the file.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core.errors import MediaFileError
from ._mediafile import FileMedia, MediaFile, as_path

__all__ = ["Video", "VideoInfo", "av_reason", "poster_frame", "video_frames", "video_info"]

EXTS = ("gif", "mp4", "webm", "ogg")
_CODECS = {"mp4": ("libx264", "yuv420p"), "webm": ("libvpx", "yuv420p"), "ogg": ("libtheora", "yuv420p")}


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    frames: int
    fps: float
    duration: float
    codec: str


class Video(FileMedia):
    """A video with an optional caption (the `wandb.Video` API).

    `data_or_path` is a numpy array of frames `(time, channels, height, width)` (or with a batch axis first, tiled
    into a grid as W&B does; uint8, channels 1, 3 or 4), encoded at `fps` (default 4) as `format` ("mp4" by
    default, "webm", "gif" or "ogg"); a file path (gif, mp4, webm, ogg); a binary file object with `format`; or
    another `Video`, whose file is then shared.
    """

    def __init__(self, data_or_path: Any, caption: str | None = None, fps: int | None = None,
                 format: str | None = None) -> None:
        if format is not None and format not in EXTS:
            raise ValueError(f"Video formats are {', '.join(EXTS)}; got {format!r}")
        if isinstance(data_or_path, Video):
            self._file, self._info = data_or_path._file, data_or_path._info
            caption = data_or_path._caption if caption is None else caption
        elif (path := as_path(data_or_path)) is not None:
            ext = os.path.splitext(path)[1].lstrip(".").lower()
            if ext not in EXTS:
                raise MediaFileError(f"video file {path!r}: Video reads {', '.join(EXTS)} files, not {ext!r}",
                                     "unsupported")
            self._file = MediaFile.from_path(path, ext, "video file")
            self._info = video_info(self._file, path)
        elif hasattr(data_or_path, "read"):
            if format is None:
                raise ValueError("Video needs format= when it is given a file object")
            raw = data_or_path.read()
            self._file = MediaFile(ext=format, data=raw if isinstance(raw, bytes) else raw.encode())
            self._info = video_info(self._file, f"the {format} bytes")
        else:
            frames = _prepare(np.asarray(data_or_path))
            self._file = _encode(frames, int(fps or 4), format or "mp4")
            self._info = video_info(self._file, "the encoded video")
        self._caption = None if caption is None else str(caption)

    # -- read back -------------------------------------------------------------------------------------------
    @property
    def width(self) -> int | None:
        return self._info.width if self._info else None

    @property
    def height(self) -> int | None:
        return self._info.height if self._info else None

    @property
    def frames(self) -> int | None:
        return self._info.frames if self._info else None

    @property
    def fps(self) -> float | None:
        return self._info.fps if self._info else None

    @property
    def duration(self) -> float | None:
        return self._info.duration if self._info else None

    def to_numpy(self) -> np.ndarray:
        """The decoded frames, `(time, 3, height, width)` uint8 RGB (W&B's axis order)."""
        return video_frames(self._file, self.path or "video")

    def __repr__(self) -> str:
        i = self._info
        size = f", {i.width}x{i.height}, {i.frames} frames at {i.fps:g} fps" if i else ""
        cap = f", caption={self._caption!r}" if self._caption else ""
        return f"Video({self.format}{size}{cap})"

    # -- used by the storage layer ---------------------------------------------------------------------------
    def _facts(self) -> dict[str, Any]:
        i = self._info
        return {"width": i.width, "height": i.height, "frames": i.frames, "fps": i.fps, "duration": i.duration,
                "codec": i.codec} if i else {}

    @classmethod
    def _restore(cls, file: MediaFile, record: dict[str, Any]) -> Video:
        v = cls.__new__(cls)
        v._file = file
        w, h = record.get("width"), record.get("height")
        v._info = VideoInfo(int(w), int(h), int(record.get("frames") or 0), float(record.get("fps") or 0.0),
                            float(record.get("duration") or 0.0), str(record.get("codec") or "")) if w and h else None
        v._caption = record.get("caption")
        return v


def av_reason(e: BaseException) -> str:
    """What FFmpeg said, without the file name it repeats (the message names the file already)."""
    return str(getattr(e, "strerror", None) or e)


def _prepare(video: np.ndarray) -> np.ndarray:
    """(T, C, H, W) or (B, T, C, H, W) -> (T, H, W, C) uint8, batches tiled into a grid (as wandb.Video)."""
    if video.ndim not in (4, 5):
        raise ValueError(f"video frames must be (time, channels, height, width) or (batch, time, channels, height, "
                         f"width), got shape {video.shape}")
    if video.size == 0:
        raise ValueError(f"video frames must not be empty, got shape {video.shape}")
    if video.ndim == 4:
        video = video.reshape(1, *video.shape)
    if video.dtype != np.uint8:
        if video.dtype.kind == "f" and not np.isfinite(video).all():
            raise ValueError("video frames must not hold NaN or infinity")
        video = np.clip(video, 0, 255).astype(np.uint8)
    b, t, c, h, w = video.shape
    if c not in (1, 3, 4):
        raise ValueError(f"video frames need 1, 3 or 4 channels (axis 2 of (time, channels, height, width)), got {c}")
    if b > 1:  # pad the batch to a power of two and tile it, as W&B does
        n = 1 << (b - 1).bit_length()
        video = np.concatenate([video, np.zeros((n - b, t, c, h, w), np.uint8)]) if n > b else video
        rows = 2 ** ((n.bit_length() - 1) // 2)
        cols = n // rows
        video = video.reshape(rows, cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3).reshape(t, rows * h, cols * w, c)
    else:
        video = video[0].transpose(0, 2, 3, 1)
    if video.shape[-1] == 1:
        video = np.repeat(video, 3, axis=-1)
    return np.ascontiguousarray(video[..., :3])


def _encode(frames: np.ndarray, fps: int, fmt: str) -> MediaFile:
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if fmt == "gif":
        from PIL import Image as PILImage

        pics = [PILImage.fromarray(f) for f in frames]
        buf = io.BytesIO()
        pics[0].save(buf, format="GIF", save_all=True, append_images=pics[1:], duration=round(1000 / fps), loop=0)
        return MediaFile(ext="gif", data=buf.getvalue())
    import av

    codec, pix = _CODECS[fmt]
    _t, h, w, _ = frames.shape
    ph, pw = h + h % 2, w + w % 2  # 4:2:0 needs even sizes
    if (ph, pw) != (h, w):
        frames = np.pad(frames, ((0, 0), (0, ph - h), (0, pw - w), (0, 0)))
    buf = io.BytesIO()
    try:
        with av.open(buf, "w", format=fmt) as c:
            s = c.add_stream(codec, rate=fps)
            s.width, s.height, s.pix_fmt = pw, ph, pix
            for f in frames:
                for pk in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                    c.mux(pk)
            for pk in s.encode():
                c.mux(pk)
    except (av.error.FFmpegError, ValueError) as e:  # e.g. no encoder for the format in this FFmpeg build
        raise MediaFileError(f"cannot encode the frames as {fmt} ({e}); try format='mp4' or 'gif'",
                             "unsupported") from None
    return MediaFile(ext=fmt, data=buf.getvalue())


def video_info(file: MediaFile, name: str) -> VideoInfo:
    """The facts of a video; MediaFileError naming `name` for a truncated file or an unknown codec."""
    import av

    try:
        with file.open() as f, av.open(f) as c:
            if not c.streams.video:
                raise MediaFileError(f"video {name!r} has no video stream", "corrupt")
            s = c.streams.video[0]
            cc = s.codec_context
            if cc is None or not cc.name or cc.name == "none":
                raise MediaFileError(f"video {name!r}: its codec is not one FFmpeg can decode", "unsupported")
            rate = s.average_rate or s.guessed_rate or s.base_rate
            fps = float(rate) if rate else 0.0
            frames = int(s.frames or 0)
            duration = float(s.duration * s.time_base) if s.duration is not None and s.time_base else None
            if duration is None and c.duration is not None:
                duration = c.duration / 1_000_000
            width, height = int(cc.width), int(cc.height)
            # decoding one frame proves the file is not cut before its first picture
            try:
                next(c.decode(video=0))
            except StopIteration:
                raise MediaFileError(f"video {name!r} holds no frame that can be decoded", "corrupt") from None
        if frames <= 0:  # no count in the header (webm, gif): count the packets
            with file.open() as f, av.open(f) as c:
                frames = sum(1 for pk in c.demux(video=0) if pk.size)
        if duration is None:
            duration = frames / fps if fps else 0.0
    except MediaFileError:
        raise
    except Exception as e:
        raise MediaFileError(f"video {name!r} cannot be read: {av_reason(e)} (a truncated file, or not a video)",
                             "corrupt") from None
    if width <= 0 or height <= 0:
        raise MediaFileError(f"video {name!r} has no picture size", "corrupt")
    return VideoInfo(width, height, frames, fps, duration, cc.name)


def poster_frame(file: MediaFile, name: str, at: float = 0.0) -> Any:
    """The frame at `at` seconds (default the first) as a PIL image."""
    import av

    try:
        with file.open() as f, av.open(f) as c:
            s = c.streams.video[0]
            if at > 0 and s.time_base:
                c.seek(int(at / s.time_base), stream=s)
            for frame in c.decode(s):
                return frame.to_image()
    except Exception as e:
        raise MediaFileError(f"video {name!r} cannot be read: {av_reason(e)} (a truncated file, or not a video)",
                             "corrupt") from None
    raise MediaFileError(f"video {name!r} holds no frame that can be decoded", "corrupt")


def video_frames(file: MediaFile, name: str) -> np.ndarray:
    import av

    frames = []
    try:
        with file.open() as f, av.open(f) as c:
            for frame in c.decode(video=0):
                frames.append(frame.to_ndarray(format="rgb24"))
    except Exception as e:
        raise MediaFileError(f"video {name!r} cannot be decoded: {av_reason(e)}", "corrupt") from None
    if not frames:
        raise MediaFileError(f"video {name!r} holds no frames", "corrupt")
    return np.stack(frames).transpose(0, 3, 1, 2)
