"""`Audio`: a sound clip, as `wandb.Audio` — a numpy array (encoded as WAV) or a wav/mp3/ogg/flac file.

The file is read with soundfile (libsndfile, shipped in its wheel); formats libsndfile does not know (m4a/aac,
opus in webm) are read with PyAV (FFmpeg, shipped in its wheel). Its facts — sample rate, channels, frames,
duration — are read from the header when the cell is made, so a file that is not audio fails there, naming it.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core.errors import MediaFileError
from ._mediafile import FileMedia, MediaFile, as_path

__all__ = ["Audio", "AudioInfo", "audio_info", "audio_samples", "waveform_peaks"]

#: file extensions by soundfile's format name
_EXT = {"WAV": "wav", "WAVEX": "wav", "FLAC": "flac", "OGG": "ogg", "MP3": "mp3", "AIFF": "aiff", "AU": "au"}


@dataclass(frozen=True)
class AudioInfo:
    """What the header of an audio file says."""

    sample_rate: int
    channels: int
    frames: int
    duration: float
    format: str  # file extension: wav, flac, ogg, mp3, m4a, ...


class Audio(FileMedia):
    """An audio clip with an optional caption (the `wandb.Audio` API).

    `data_or_path` is a numpy array of samples (`(n,)` mono or `(n, channels)`; float in [-1, 1] or integers),
    which needs `sample_rate` and is stored as 16-bit WAV as W&B does, a file path (wav, mp3, ogg, flac, and what
    FFmpeg reads), or another `Audio`, whose file is then shared.
    """

    def __init__(self, data_or_path: Any, sample_rate: int | None = None, caption: str | None = None) -> None:
        if isinstance(data_or_path, Audio):
            self._file, self._info = data_or_path._file, data_or_path._info
            caption = data_or_path._caption if caption is None else caption
        elif (path := as_path(data_or_path)) is not None:
            self._file = MediaFile.from_path(path, os.path.splitext(path)[1] or "audio", "audio file")
            self._info = audio_info(self._file, path)
            self._file.ext = self._info.format
        else:
            if sample_rate is None:
                raise ValueError('Audio needs "sample_rate" when it is given raw samples (a numpy array)')
            self._file, self._info = _encode_wav(data_or_path, int(sample_rate))
        self._caption = None if caption is None else str(caption)

    # -- read back -------------------------------------------------------------------------------------------
    @property
    def sample_rate(self) -> int | None:
        return self._info.sample_rate if self._info else None

    @property
    def channels(self) -> int | None:
        return self._info.channels if self._info else None

    @property
    def duration(self) -> float | None:
        """Seconds."""
        return self._info.duration if self._info else None

    @property
    def frames(self) -> int | None:
        return self._info.frames if self._info else None

    def to_numpy(self) -> np.ndarray:
        """The samples as float32, `(frames,)` for mono or `(frames, channels)`."""
        return audio_samples(self._file, self.path or "audio")

    # -- equality --------------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        dur = f", {self.duration:.3g} s" if self.duration is not None else ""
        cap = f", caption={self._caption!r}" if self._caption else ""
        return f"Audio({self.format}{dur}{cap})"

    # -- used by the storage layer ---------------------------------------------------------------------------
    def _facts(self) -> dict[str, Any]:
        i = self._info
        return {"sample_rate": i.sample_rate if i else None, "channels": i.channels if i else None,
                "frames": i.frames if i else None, "duration": i.duration if i else None}

    @classmethod
    def _restore(cls, file: MediaFile, record: dict[str, Any]) -> Audio:
        a = cls.__new__(cls)
        a._file = file
        sr, ch, n, dur = (record.get(k) for k in ("sample_rate", "channels", "frames", "duration"))
        a._info = AudioInfo(int(sr), int(ch or 1), int(n or 0), float(dur or 0.0), file.ext) if sr else None
        a._caption = record.get("caption")
        return a


def _sf_reason(e: BaseException) -> str:
    """What libsndfile said ("Format not recognised"), without the file object it names."""
    text = str(e)
    return text.split(": ", 1)[1] if text.startswith("Error opening") and ": " in text else text


def _encode_wav(data: Any, sample_rate: int) -> tuple[MediaFile, AudioInfo]:
    import soundfile as sf

    arr = np.asarray(data)
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(f"audio samples must be a non-empty (n,) or (n, channels) array, got shape {arr.shape}")
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"audio samples must be numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError("audio samples must not hold NaN or infinity")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    buf = io.BytesIO()
    sf.write(buf, arr, sample_rate, format="WAV")  # PCM 16, as wandb.Audio writes it
    frames = int(arr.shape[0])
    channels = 1 if arr.ndim == 1 else int(arr.shape[1])
    return MediaFile(ext="wav", data=buf.getvalue()), AudioInfo(sample_rate, channels, frames,
                                                                frames / sample_rate, "wav")


def audio_info(file: MediaFile, name: str) -> AudioInfo:
    """The header of an audio file; MediaFileError naming `name` when it is not audio either library reads."""
    import soundfile as sf

    try:
        with file.open() as f:
            info = sf.info(f)
        ext = _EXT.get(info.format, file.ext or info.format.lower())
        duration = float(info.frames) / info.samplerate if info.samplerate else 0.0
        return AudioInfo(int(info.samplerate), int(info.channels), int(info.frames), duration, ext)
    except MediaFileError:
        raise
    except Exception as sf_error:  # libsndfile does not know it: ask FFmpeg
        try:
            return _av_info(file)
        except MediaFileError as e:
            raise MediaFileError(f"{name!r} is not an audio file that can be read (libsndfile: "
                                 f"{_sf_reason(sf_error)}; {e})", e.reason) from None


def _av_info(file: MediaFile) -> AudioInfo:
    import av

    try:
        with file.open() as f, av.open(f) as c:
            if not c.streams.audio:
                raise MediaFileError("it has no audio stream", "corrupt")
            s = c.streams.audio[0]
            rate = int(s.codec_context.sample_rate or s.rate or 0)
            channels = int(s.codec_context.channels or 1)
            if s.duration is not None and s.time_base is not None:
                duration = float(s.duration * s.time_base)
            elif c.duration is not None:
                duration = c.duration / 1_000_000
            else:
                duration = 0.0
            fmt = (c.format.name or "").split(",")[0]
    except MediaFileError:
        raise
    except Exception as e:
        raise MediaFileError(f"FFmpeg: {getattr(e, 'strerror', None) or e}", "corrupt") from None
    if rate <= 0:
        raise MediaFileError("its sample rate is unknown", "corrupt")
    ext = {"mov": "m4a", "matroska": "webm", "ogg": "ogg", "mp3": "mp3", "wav": "wav", "flac": "flac"}.get(fmt, fmt)
    return AudioInfo(rate, channels, round(duration * rate), duration, ext or file.ext)


def audio_samples(file: MediaFile, name: str) -> np.ndarray:
    """All samples as float32 ((n,) mono or (n, channels))."""
    import soundfile as sf

    try:
        with file.open() as f:
            data, _ = sf.read(f, dtype="float32", always_2d=False)
        return data
    except MediaFileError:
        raise
    except Exception as sf_error:
        try:
            return _av_samples(file)
        except MediaFileError as e:
            raise MediaFileError(f"{name!r}: cannot decode the audio (libsndfile: {_sf_reason(sf_error)}; {e})",
                                 "corrupt") from None


def _av_samples(file: MediaFile) -> np.ndarray:
    import av

    chunks = []
    try:
        with file.open() as f, av.open(f) as c:
            s = c.streams.audio[0]
            for frame in c.decode(s):
                chunks.append(frame.to_ndarray().astype(np.float32))
    except Exception as e:
        raise MediaFileError(f"FFmpeg: {getattr(e, 'strerror', None) or e}", "corrupt") from None
    if not chunks:
        raise MediaFileError("it holds no audio frames", "corrupt")
    planar = [c if c.shape[0] <= 8 else c.T for c in chunks]  # (channels, n) per frame
    data = np.concatenate(planar, axis=1)
    return data[0] if data.shape[0] == 1 else data.T


def waveform_peaks(file: MediaFile, name: str, bins: int = 256) -> bytes:
    """A waveform thumbnail: per bin, the lowest and highest sample of the clip (channels mixed), as signed bytes.

    Returns `2 * bins` bytes (`min0, max0, min1, max1, ...`, each sample * 127) — a few hundred bytes that the
    browser draws at any size and in the theme's colours. Long files are read block by block.
    """
    import soundfile as sf

    bins = max(8, min(4096, int(bins)))
    lo = np.full(bins, np.inf, np.float32)
    hi = np.full(bins, -np.inf, np.float32)
    try:
        with file.open() as f, sf.SoundFile(f) as snd:
            total = snd.frames
            per = max(1, math.ceil(total / bins))
            start = 0
            for block in snd.blocks(blocksize=per * max(1, 65536 // per), dtype="float32", always_2d=True):
                mono = block.mean(axis=1)
                n = len(mono)
                idx = (np.arange(start, start + n) // per).clip(0, bins - 1)
                np.minimum.at(lo, idx, mono)
                np.maximum.at(hi, idx, mono)
                start += n
    except MediaFileError:
        raise
    except Exception:
        data = audio_samples(file, name)
        mono = data if data.ndim == 1 else data.mean(axis=1)
        per = max(1, math.ceil(len(mono) / bins))
        idx = (np.arange(len(mono)) // per).clip(0, bins - 1)
        np.minimum.at(lo, idx, mono)
        np.maximum.at(hi, idx, mono)
    empty = lo > hi  # bins past the end of a short clip
    lo[empty], hi[empty] = 0.0, 0.0
    pairs = np.stack([lo, hi], axis=1).reshape(-1)
    return (np.clip(pairs, -1.0, 1.0) * 127).round().astype(np.int8).tobytes()
