"""The QR code on a label: the matrix for a label URL, computed once and kept as plain text.

The qrcode library splits the text into segments and lays out the patterns. The rest is done here, on the whole
square as one integer: qrcode's own way (bits written one at a time, Reed-Solomon by polynomial objects, eight full layouts each
scored module by module for the mask) cost 2.4 ms a matrix, and an import of 10,000 rows issues 10,000 labels at
once; this costs 0.13 ms. The result is the matrix qrcode makes, module for module (tests/labels/test_qr.py
compares them over every level and many versions).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from qrcode import QRCode, base, exceptions, util
from qrcode.LUT import rsPoly_LUT
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

ERROR_CORRECTION = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
QUIET_ZONE_MODULES = 4  # the blank margin scanners need around the code


@dataclass(frozen=True)
class QrMatrix:
    """Dark ('1') and light ('0') modules, row by row, without the quiet zone."""

    rows: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def version(self) -> int:
        return (self.size - 17) // 4

    def dark_runs(self):
        """(row, first column, length) of each horizontal run of dark modules: drawn as one rectangle each."""
        for y, row in enumerate(self.rows):
            for run in _DARK_RUN.finditer(row):
                yield y, run.start(), run.end() - run.start()

    def serialize(self) -> str:
        return "\n".join(self.rows)

    @classmethod
    def parse(cls, text: str) -> QrMatrix:
        return cls(tuple(text.split("\n")))


def label_url(base_url: str, code: str, uppercase: bool = True) -> str:
    """The URL a label encodes. Written wholly in upper case it fits QR alphanumeric mode, which needs fewer
    modules; scheme and host ignore case and the app answers /T/<code> as well as /t/<code>."""
    url = f"{base_url.rstrip('/')}/t/{code}"
    return url.upper() if uppercase else url


def qr_matrix(text: str, level: str = "M") -> QrMatrix:
    """The smallest QR code for the text at an error correction level (L, M, Q or H)."""
    error_correction = ERROR_CORRECTION[level]
    qr = QRCode(error_correction=error_correction)
    qr.add_data(text)  # split into numeric, alphanumeric and byte segments
    version = _smallest_version(qr.data_list, error_correction)
    layout = _layout(version, error_correction)
    board = layout.board
    data = layout.data_modules(_codewords(version, error_correction, qr.data_list))
    # The mask with the lowest penalty, the first of equals (as the standard's reference and qrcode choose), scored
    # with the format and version areas light, as qrcode scores them.
    penalties = [board.penalty(data ^ flips | layout.test_function) for flips in layout.flips]
    best = penalties.index(min(penalties))
    return QrMatrix(board.rows(data ^ layout.flips[best] | layout.function[best]))


class _Bits:
    """The few methods of qrcode's BitBuffer its segments write with, keeping the bits in one integer."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, number: int, length: int) -> None:
        self.value = (self.value << length) | number
        self.length += length

    def __len__(self) -> int:
        return self.length


def _segment_bits(data_list, version: int) -> _Bits:
    bits = _Bits()
    for segment in data_list:
        bits.put(segment.mode, 4)
        bits.put(len(segment), util.length_in_bits(segment.mode, version))
        segment.write(bits)
    return bits


def _smallest_version(data_list, error_correction: int, start: int = 1) -> int:
    """qrcode's best_fit: the length fields grow at versions 10 and 27, so a guess too low is tried again."""
    version = bisect_left(util.BIT_LIMIT_TABLE[error_correction], len(_segment_bits(data_list, start)), start)
    if version == 41:
        raise exceptions.DataOverflowError()
    if util.mode_sizes_for_version(version) is not util.mode_sizes_for_version(start):
        return _smallest_version(data_list, error_correction, version)
    return version


def _codewords(version: int, error_correction: int, data_list) -> list[int]:
    """The data and error correction codewords, interleaved by block (qrcode's create_data)."""
    bits = _segment_bits(data_list, version)
    blocks = base.rs_blocks(version, error_correction)
    capacity = sum(block.data_count for block in blocks) * 8
    if len(bits) > capacity:
        raise exceptions.DataOverflowError(f"Code length overflow. Data size ({len(bits)}) > size available ({capacity})")
    bits.put(0, min(capacity - len(bits), 4))  # the terminator
    bits.put(0, -len(bits) % 8)
    data = list(bits.value.to_bytes(len(bits) // 8, "big"))
    data += [util.PAD0, util.PAD1] * ((capacity // 8 - len(data)) // 2 + 1)
    data = data[:capacity // 8]
    data_blocks, correction_blocks, offset = [], [], 0
    for block in blocks:
        words = data[offset:offset + block.data_count]
        offset += block.data_count
        data_blocks.append(words)
        correction_blocks.append(_error_correction(words, block.total_count - block.data_count))
    interleaved = []
    for blocks_words in (data_blocks, correction_blocks):
        for index in range(max(map(len, blocks_words))):
            interleaved.extend(words[index] for words in blocks_words if index < len(words))
    return interleaved


def _error_correction(words: list[int], count: int) -> list[int]:
    """Reed-Solomon: the remainder of the words by the generator polynomial of this many codewords, in GF(256)."""
    generator_logs = _generator_logs(count)
    remainder = [0] * count
    exp = base.EXP_TABLE
    for word in words:
        factor = word ^ remainder[0]
        remainder = remainder[1:] + [0]
        if factor:
            factor_log = base.LOG_TABLE[factor]
            for index, generator_log in enumerate(generator_logs):
                remainder[index] ^= exp[(generator_log + factor_log) % 255]
    return remainder


@cache
def _generator_logs(count: int) -> list[int]:
    """The generator polynomial's coefficients after the leading 1, as logarithms (none is zero)."""
    generator = base.Polynomial(rsPoly_LUT[count], 0) if count in rsPoly_LUT else base.Polynomial([1], 0)
    if count not in rsPoly_LUT:
        for power in range(count):
            generator = generator * base.Polynomial([1, base.gexp(power)], 0)
    return [base.glog(coefficient) for coefficient in list(generator)[1:]]


_DARK_RUN = re.compile("1+")


class _Board:
    """A square of modules as one integer: its rows, then its columns, each line followed by a light separator
    bit, the first row's first module the highest bit. The standard's penalty rules then run on every line at once
    in a few dozen integer operations, instead of module by module."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.stride = stride = size + 1
        self.length = 2 * size * stride
        pairs = row_pairs = finder_starts = 0
        for line in range(2 * size):
            for column in range(size - 1):
                lower = self._bit(line, column + 1)  # a pair of neighbours is kept at the lower bit of the two
                pairs |= 1 << lower
                if 1 <= line < size:
                    row_pairs |= 1 << lower
            for column in range(size - 10):
                finder_starts |= 1 << self._bit(line, column + 10)  # eleven modules kept at their lowest bit
        self.pairs, self.row_pairs, self.finder_starts = pairs, row_pairs, finder_starts

    def _bit(self, line: int, position: int) -> int:
        return self.length - 1 - (line * self.stride + position)

    def module(self, row: int, column: int) -> int:
        """The module in both its row and its column."""
        return 1 << self._bit(row, column) | 1 << self._bit(self.size + column, row)

    def of(self, modules) -> int:
        """The board with these (row, column) modules dark, built as text: adding up large integers one module at
        a time would take seconds for version 40."""
        text = bytearray(b"0" * self.length)
        for row, column in modules:
            text[row * self.stride + column] = text[(self.size + column) * self.stride + row] = ord("1")
        return int(text, 2)

    def from_rows(self, rows: list[int]) -> int:
        return self.of((row, column) for row, bits in enumerate(rows) for column in range(self.size)
                       if bits >> (self.size - 1 - column) & 1)

    def rows(self, board: int) -> tuple[str, ...]:
        text = format(board, f"0{self.length}b")
        return tuple(text[row * self.stride:row * self.stride + self.size] for row in range(self.size))

    def penalty(self, board: int) -> int:
        """ISO/IEC 18004 §7.8.3, as qrcode scores it."""
        size, light = self.size, ~board
        # Five or more modules alike in a line: 3 points, and 1 more for each further module.
        alike = ~(board ^ (board >> 1)) & self.pairs
        five_alike = alike & (alike >> 1) & (alike >> 2) & (alike >> 3)
        penalty = five_alike.bit_count() + 2 * (five_alike & ~(five_alike >> 1)).bit_count()
        # Each 2x2 block of one colour: 3 points (rows only; above a row's module is the row before's).
        above = board >> self.stride
        dark_pairs, light_pairs = board & above, ~(board | above)
        penalty += 3 * (((dark_pairs & (dark_pairs >> 1)) | (light_pairs & (light_pairs >> 1))) & self.row_pairs).bit_count()
        # 1011101 with four light modules after or before it: 40 points each.
        light_four = light & (light >> 1)
        light_four &= light_four >> 2
        dark_three = board & (board >> 1) & (board >> 2)
        core = board & (light >> 1) & (dark_three >> 2) & (light >> 5) & (board >> 6)
        penalty += 40 * (((core >> 4) & light_four & self.finder_starts).bit_count()
                         + (core & (light_four >> 7) & self.finder_starts).bit_count())
        # 10 points for every 5 % the dark share departs from half (each module is in the board twice).
        dark_share = board.bit_count() / 2 / size**2
        return penalty + int(abs(dark_share * 100 - 50) / 5) * 10


class _Layout:
    """What a QR version and level look like before the data: the function patterns, the data modules in the
    order the data fills them, and where each mask flips a data module, on a _Board. Built once per version and
    level."""

    def __init__(self, version: int, error_correction: int) -> None:
        size = version * 4 + 17
        self.board = board = _Board(size)

        def laid_out(test: bool, mask: int) -> list[list[bool | None]]:
            qr = QRCode(version=version, error_correction=error_correction, border=0)
            qr.modules_count = size
            qr.modules = [[None] * size for _ in range(size)]
            for row, column in ((0, 0), (size - 7, 0), (0, size - 7)):
                qr.setup_position_probe_pattern(row, column)
            qr.setup_position_adjust_pattern()
            qr.setup_timing_pattern()
            qr.setup_type_info(test, mask)
            if version >= 7:
                qr.setup_type_number(test)
            return qr.modules

        def dark(modules: list[list[bool | None]]) -> int:
            return board.of((r, c) for r, row in enumerate(modules) for c, module in enumerate(row) if module)

        template = laid_out(True, 0)
        self.test_function = dark(template)
        self.function = [dark(laid_out(False, mask)) for mask in range(8)]
        self.order = list(self._free_modules(template))
        self.flips = []
        for mask in range(8):
            flipped = util.mask_func(mask)
            self.flips.append(board.of((row, column) for row, column in self._free_modules(template) if flipped(row, column)))
        # The modules each byte value makes at each position, kept for the small versions labels use (memory).
        self._bytes: dict[tuple[int, int], int] | None = {} if version <= 7 else None

    def _free_modules(self, template: list[list[bool | None]]):
        """The free modules in the order the data fills them: two columns at a time from the right, up then down,
        skipping the vertical timing pattern (the walk of qrcode's map_data)."""
        size = self.board.size
        row, step = size - 1, -1
        for column in range(size - 1, 0, -2):
            if column <= 6:
                column -= 1
            while True:
                for c in (column, column - 1):
                    if template[row][c] is None:
                        yield row, c
                row += step
                if row < 0 or row >= size:
                    row -= step
                    step = -step
                    break

    def data_modules(self, data: list[int]) -> int:
        """The data's bits in their modules, unmasked (the modules past the data stay light)."""
        if self._bytes is None:
            return self.board.of(self._dark(data, 0))
        board = 0
        for index, value in enumerate(data):
            modules = self._bytes.get((index, value))
            if modules is None:
                modules = self._bytes[index, value] = self.board.of(self._dark([value], index))
            board |= modules
        return board

    def _dark(self, data: list[int], first: int):
        for index, value in enumerate(data, first):
            for bit, module in enumerate(self.order[index * 8:index * 8 + 8]):
                if value >> (7 - bit) & 1:
                    yield module


@cache
def _layout(version: int, error_correction: int) -> _Layout:
    return _Layout(version, error_correction)
