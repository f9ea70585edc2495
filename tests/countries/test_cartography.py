"""The map geometry: Equal Earth, TopoJSON decoding, simplification, the antimeridian, and
the committed world_paths.json against its source."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from countries import cartography
from countries.cartography import (
    MAP_HEIGHT,
    MAP_WIDTH,
    build_world_paths,
    decode_arcs,
    project,
    ring_from_arcs,
    simplify,
    split_at_antimeridian,
    svg_path,
)

DATA = Path(cartography.__file__).with_name("data")


@pytest.fixture(scope="module")
def world() -> dict:
    return json.loads((DATA / "world_paths.json").read_text(encoding="utf-8"))


def path_points(d: str) -> list[tuple[float, float]]:
    """Absolute points of path data made of M, l and z commands."""
    points = []
    for ring in re.findall(r"M[^Mz]+z", d):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", ring)]
        x, y = numbers[0], numbers[1]
        points.append((x, y))
        for dx, dy in zip(numbers[2::2], numbers[3::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
    return points


def test_equal_earth_spans_the_map_and_keeps_the_centre():
    assert project(0, 0) == pytest.approx((MAP_WIDTH / 2, MAP_HEIGHT / 2), abs=0.1)
    assert project(-180, 0)[0] == pytest.approx(0)
    assert project(180, 0)[0] == pytest.approx(MAP_WIDTH)
    assert project(0, 90)[1] == pytest.approx(0)
    assert project(0, -90)[1] == pytest.approx(MAP_HEIGHT, abs=0.1)
    # Parallels are straight lines: the same latitude, the same y.
    assert project(-100, 45)[1] == pytest.approx(project(60, 45)[1])
    # Equal area: a 10x10 degree cell near the pole is narrower than at the equator.
    assert project(10, 70)[0] - project(0, 70)[0] < project(10, 0)[0] - project(0, 0)[0]


def test_quantized_arcs_are_delta_decoded_and_transformed():
    topology = {
        "transform": {"scale": [0.5, 2], "translate": [10, -20]},
        "arcs": [[[0, 0], [2, 3], [1, -1]], [[3, 2], [-3, -2]]],
    }
    assert decode_arcs(topology) == [
        [(10, -20), (11, -14), (11.5, -16)],
        [(11.5, -16), (10, -20)],
    ]
    assert decode_arcs({"arcs": [[[1, 2], [3, 4]]]}) == [[(1.0, 2.0), (3.0, 4.0)]]


def test_a_ring_joins_its_arcs_and_reverses_the_negative_ones():
    arcs = [[(0, 0), (1, 0), (1, 1)], [(0, 0), (0, 1), (1, 1)]]
    # Arc 0, then arc 1 reversed (~1 == -2): the shared end points appear once.
    assert ring_from_arcs([0, -2], arcs) == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]


def test_simplify_drops_points_near_the_line_and_keeps_the_ends():
    line = [(0, 0), (1, 0.01), (2, -0.01), (3, 0), (4, 2), (5, 0)]
    assert simplify(line, 0.1) == [(0, 0), (3, 0), (4, 2), (5, 0)]
    assert simplify(line, 5) == [(0, 0), (5, 0)]


def test_a_ring_across_the_antimeridian_is_cut_in_two():
    ring = [(170, 0), (190, 0), (190, 10), (170, 10), (170, 0)]
    pieces = split_at_antimeridian(ring)
    assert len(pieces) == 2
    for piece in pieces:
        assert all(-180 <= lon <= 180 for lon, _ in piece)
    assert sorted(round(min(lon for lon, _ in p)) for p in pieces) == [-180, 170]


def test_svg_path_is_compact_and_closed():
    assert svg_path([[(1, 2), (3.04, 2), (3, 5.56), (1, 2)]]) == "M1 2l2 0 0 3.6z"


def test_morocco_lies_around_its_coordinates(world):
    morocco = world["countries"]["MAR"]
    assert morocco["numeric"] == "504"
    points = path_points(morocco["d"])
    assert len(points) > 10
    xs, ys = [x for x, _ in points], [y for _, y in points]
    x, y = project(-5, 32)  # Morocco's reference point, 32 00 N, 5 00 W
    assert min(xs) < x < max(xs) and min(ys) < y < max(ys)
    # Its outline stays within 13 W..0 and 27°40' N..36 N, in map units.
    west, north = project(-13.5, 36.5)
    east, south = project(0, 27 + 40 / 60)
    assert west <= min(xs) and max(xs) <= east
    assert north <= min(ys) and max(ys) <= south + 0.1
    assert morocco["bbox"] == pytest.approx([min(xs), min(ys), max(xs), max(ys)], abs=0.3)


def test_western_sahara_is_whole_south_of_27_40(world):
    sahara = path_points(world["countries"]["ESH"]["d"])
    _, border = project(-12, 27 + 40 / 60)
    assert min(y for _, y in sahara) >= border - 0.1
    assert max(x for x, _ in sahara) > project(-9, 26)[0]  # the east, past the berm
    assert min(x for x, _ in sahara) < project(-16.5, 22)[0]  # and the Atlantic coast


def test_every_path_is_well_formed_and_inside_the_map(world):
    assert len(world["countries"]) > 170
    for iso3, shape in world["countries"].items():
        assert re.fullmatch(r"[A-Z]{3}", iso3)
        assert re.fullmatch(r"(M-?[\d.]+ -?[\d.]+l[-\d. ]+z)+", shape["d"]), iso3
        for x, y in path_points(shape["d"]):
            assert -0.5 <= x <= MAP_WIDTH + 0.5 and -0.5 <= y <= MAP_HEIGHT + 0.5, iso3
    assert {entry["name"] for entry in world["unassigned"]} == {
        "Kosovo",
        "N. Cyprus",
        "Somaliland",
    }


def test_the_committed_paths_are_what_the_script_builds_from_the_source(world):
    """world_paths.json is built from source/countries-110m.json (see the README): rebuilt
    here with the numeric codes it records, it comes out identical."""
    topology = json.loads((DATA / "source" / "countries-110m.json").read_text(encoding="utf-8"))
    iso3_by_numeric = {shape["numeric"]: iso3 for iso3, shape in world["countries"].items()}
    built = build_world_paths(topology, iso3_by_numeric=iso3_by_numeric)
    assert built["countries"] == world["countries"]
    assert built["unassigned"] == world["unassigned"]
    assert (built["width"], built["height"]) == (world["width"], world["height"])
    assert math.isclose(world["height"] / world["width"], 0.487, abs_tol=0.001)
