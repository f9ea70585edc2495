"""World map geometry without dependencies: the Equal Earth projection, TopoJSON decoding,
line simplification and SVG path data.

The site draws its maps from `countries/data/world_paths.json`, written once from Natural
Earth's boundaries by `countries/data/build_world_paths.py`; at run time only `project()`
is used here (to place the marker of a small state at its coordinates).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

Point = tuple[float, float]
Ring = list[Point]

# Equal Earth (Šavrič, Patterson and Jenny, 2018): an equal-area pseudocylindrical projection
# whose parallels are straight, so a reader sees countries at their true relative size.
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2
# The projected world spans x in [-X_LIMIT, X_LIMIT] and y in [-Y_LIMIT, Y_LIMIT].
X_LIMIT = math.pi / (M * A1)
Y_LIMIT = (math.pi / 3) * (
    A1 + A2 * (math.pi / 3) ** 2 + (math.pi / 3) ** 6 * (A3 + A4 * (math.pi / 3) ** 2)
)

MAP_WIDTH = 1000.0
SCALE = MAP_WIDTH / (2 * X_LIMIT)
MAP_HEIGHT = round(2 * Y_LIMIT * SCALE, 1)


def equal_earth(longitude: float, latitude: float) -> Point:
    """Longitude and latitude in degrees -> unscaled Equal Earth x, y (y grows northwards)."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def project(longitude: float, latitude: float) -> Point:
    """Longitude and latitude in degrees -> SVG user units on a MAP_WIDTH-wide world map,
    origin at the top left, y growing southwards."""
    x, y = equal_earth(longitude, latitude)
    return (x + X_LIMIT) * SCALE, (Y_LIMIT - y) * SCALE


# TopoJSON (https://github.com/topojson/topojson-specification): geometries refer to shared
# arcs by index (a negative index ~i is arc i reversed); a quantized topology stores each
# arc's first position as integers and the following ones as deltas from the previous.


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """Every arc of the topology as absolute longitude/latitude positions."""
    transform = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(x), float(y)) for x, y, *_ in arc])
            continue
        (scale_x, scale_y), (translate_x, translate_y) = (
            transform["scale"],
            transform["translate"],
        )
        x = y = 0
        positions = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            positions.append((x * scale_x + translate_x, y * scale_y + translate_y))
        arcs.append(positions)
    return arcs


def unwrap(points: Sequence[Point], *, start: float | None = None) -> Ring:
    """Longitudes made continuous: a step of more than 180 degrees crosses the antimeridian
    rather than the world (179 then -179 becomes 179 then 181). `start` shifts the line by
    whole turns to begin next to that longitude."""
    if not points:
        return []
    shift = 0.0
    if start is not None:
        shift = 360.0 * round((start - points[0][0]) / 360.0)
    ring = [(points[0][0] + shift, points[0][1])]
    for (previous, _), (lon, lat) in itertools.pairwise(points):
        if lon - previous > 180:
            shift -= 360
        elif lon - previous < -180:
            shift += 360
        ring.append((lon + shift, lat))
    return ring


def ring_from_arcs(indexes: Iterable[int], arcs: Sequence[Ring]) -> Ring:
    """Join a ring's arcs; consecutive arcs share their end point, kept once. Longitudes
    stay continuous across the antimeridian (see `unwrap`)."""
    ring: Ring = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        arc = unwrap(arc, start=ring[-1][0] if ring else None)
        ring.extend(arc if not ring else arc[1:])
    return ring


def geometry_polygons(geometry: dict[str, Any], arcs: Sequence[Ring]) -> list[list[Ring]]:
    """A Polygon or MultiPolygon geometry as a list of polygons, each a list of rings (the
    outer ring first, then its holes)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        return []
    return [[ring_from_arcs(ring, arcs) for ring in polygon] for polygon in polygons]


def close_around_pole(ring: Ring) -> Ring:
    """A ring that goes once around a pole (Antarctica) ends a whole turn from its start:
    close it along the edge of the map, through the pole."""
    if len(ring) < 2 or abs(abs(ring[-1][0] - ring[0][0]) - 360) > 1e-6:
        return ring
    pole = -90.0 if sum(lat for _, lat in ring) < 0 else 90.0
    return [*ring, (ring[-1][0], pole), (ring[0][0], pole)]


def clip_half_plane(ring: Ring, *, axis: int, bound: float, above: bool) -> Ring:
    """Sutherland-Hodgman: the part of the ring where coordinate `axis` (0: longitude,
    1: latitude) is at least (`above`) or at most `bound`."""

    def inside(point: Point) -> bool:
        return point[axis] >= bound if above else point[axis] <= bound

    def cross(a: Point, b: Point) -> Point:
        t = (bound - a[axis]) / (b[axis] - a[axis])
        point = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        return (bound, point[1]) if axis == 0 else (point[0], bound)

    result: Ring = []
    for index, current in enumerate(ring):
        previous = ring[index - 1]
        if inside(current):
            if not inside(previous):
                result.append(cross(previous, current))
            result.append(current)
        elif inside(previous):
            result.append(cross(previous, current))
    return result


def clip_longitudes(ring: Ring, *, west: float, east: float) -> Ring:
    """The part of the ring between two meridians."""
    ring = clip_half_plane(ring, axis=0, bound=west, above=True)
    return clip_half_plane(ring, axis=0, bound=east, above=False) if ring else ring


def split_at_antimeridian(ring: Ring) -> list[Ring]:
    """An unwrapped ring as rings within -180..180 (several when it crosses the
    antimeridian: Fiji, Russia's Chukotka, Antarctica)."""
    ring = close_around_pole(ring)
    lowest = min(lon for lon, _ in ring)
    highest = max(lon for lon, _ in ring)
    if lowest >= -180 and highest <= 180:
        return [ring]
    pieces = []
    for turns in range(-2, 3):
        shifted = [(lon + 360 * turns, lat) for lon, lat in ring]
        piece = clip_longitudes(shifted, west=-180, east=180)
        if len(piece) >= 3 and ring_area(piece) > 0:
            pieces.append(piece)
    return pieces


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker: drop the points closer than `tolerance` to the line that the kept
    ones draw. The end points always stay, so arcs shared by two countries still meet."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, distance = first, -1.0
        for index in range(first + 1, last):
            px, py = points[index]
            if length:
                d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            else:
                d = math.hypot(px - x1, py - y1)
            if d > distance:
                farthest, distance = index, d
        if distance > tolerance:
            keep[farthest] = True
            stack.extend([(first, farthest), (farthest, last)])
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def ring_area(ring: Sequence[Point]) -> float:
    """Unsigned area (shoelace formula)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def bounding_box(rings: Iterable[Sequence[Point]]) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for ring in rings:
        for x, y in ring:
            xs.append(x)
            ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def svg_path(rings: Iterable[Sequence[Point]]) -> str:
    """Closed rings as compact SVG path data: an absolute move, then relative lines,
    coordinates to a tenth of a unit."""
    parts = []
    for ring in rings:
        rounded = [(round(x, 1), round(y, 1)) for x, y in ring]
        # Drop repeated points (the closing point too: "z" closes the ring).
        points = [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            continue
        (x0, y0), steps = points[0], []
        previous = points[0]
        for x, y in points[1:]:
            steps.append(f"{_number(x - previous[0])} {_number(y - previous[1])}")
            previous = (x, y)
        path = f"M{_number(x0)} {_number(y0)}l" + " ".join(steps) + "z"
        parts.append(path.replace(" -", "-"))
    return "".join(parts)


# Natural Earth draws de facto lines of control: its Morocco (504) takes in the west of
# Western Sahara (732) up to the berm. The maps follow the United Nations' depiction instead,
# Western Sahara whole, south of 27°40' N: numeric id -> (the id that takes the part south
# of the latitude, the latitude).
SOUTH_OF_LATITUDE = {"504": ("732", 27 + 40 / 60)}


def build_world_paths(
    topology: dict[str, Any],
    *,
    iso3_by_numeric: dict[str, str],
    tolerance: float = 0.2,
    smallest_ring: float = 1.0,
) -> dict[str, Any]:
    """The `countries` object of a world-atlas topology as projected, simplified SVG paths:
    `countries` keyed by ISO 3166-1 alpha-3 (`iso3_by_numeric` maps the topology's numeric
    ids), `unassigned` for the shapes without an ISO code (Kosovo, Northern Cyprus,
    Somaliland in Natural Earth), drawn as land without a name.

    Arcs are simplified (`tolerance` in degrees) before they are joined into rings, so
    that two neighbours still share the same border; rings that cross the antimeridian are
    cut there; islands smaller than `smallest_ring` square units are dropped,
    except a country's largest ring (it would vanish)."""
    arcs = [simplify(unwrap(arc), tolerance) for arc in decode_arcs(topology)]
    geometries = topology["objects"]["countries"]["geometries"]
    lonlat_rings = {
        index: [
            piece
            for polygon in geometry_polygons(geometry, arcs)
            for ring in polygon
            for piece in split_at_antimeridian(ring)
        ]
        for index, geometry in enumerate(geometries)
    }
    index_of = {str(geometry.get("id")): index for index, geometry in enumerate(geometries)}
    for giver, (taker, latitude) in SOUTH_OF_LATITUDE.items():
        if giver in index_of and taker in index_of:
            rings = lonlat_rings[index_of[giver]]
            north = [clip_half_plane(r, axis=1, bound=latitude, above=True) for r in rings]
            south = [clip_half_plane(r, axis=1, bound=latitude, above=False) for r in rings]
            lonlat_rings[index_of[giver]] = [r for r in north if len(r) >= 3]
            lonlat_rings[index_of[taker]] += [r for r in south if len(r) >= 3]
    countries: dict[str, Any] = {}
    unassigned: list[dict[str, Any]] = []
    for index, geometry in enumerate(geometries):
        rings = [[project(lon, lat) for lon, lat in ring] for ring in lonlat_rings[index]]
        if not rings:
            continue
        largest = max(rings, key=ring_area)
        kept = [ring for ring in rings if ring is largest or ring_area(ring) >= smallest_ring]
        entry = {
            "d": svg_path(kept),
            "bbox": [round(value, 1) for value in bounding_box(kept)],
            # The largest ring's box: where a locator map centres (France, not French Guiana).
            "main": [round(value, 1) for value in bounding_box([largest])],
            "area": round(sum(ring_area(ring) for ring in kept), 1),
        }
        name = geometry.get("properties", {}).get("name", "")
        iso3 = iso3_by_numeric.get(str(geometry.get("id", "")))
        if iso3:
            countries[iso3] = {"numeric": str(geometry["id"]), "name": name, **entry}
        else:
            unassigned.append({"name": name, **entry})
    return {
        "width": MAP_WIDTH,
        "height": MAP_HEIGHT,
        "projection": "Equal Earth",
        "countries": dict(sorted(countries.items())),
        "unassigned": sorted(unassigned, key=lambda entry: entry["name"]),
    }
