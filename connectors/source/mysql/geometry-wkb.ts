/**
 * Spatial values as Debezium's `io.debezium.data.geometry.Geometry`: `{ wkb, srid }`, the
 * geometry as OGC well-known binary and its SRID (null for 0, as Debezium gives it).
 *
 * The snapshot reads the server's own bytes (a little-endian SRID, then the WKB), so it is exact.
 * The binlog library hands over points as `{x, y}`, lines and rings as arrays of points, and
 * multi-geometries and collections as arrays of their parts, without the WKB type codes or the
 * SRID: the WKB is written again from that, with the column's declared type (`point`,
 * `multipoint`, ...) naming the code. In a column declared GEOMETRY the code follows from the
 * shape alone (a point, an array of points a LINESTRING, of those a POLYGON, deeper a
 * MULTIPOLYGON), so a MULTIPOINT, MULTILINESTRING or GEOMETRYCOLLECTION stored there streams as
 * the shape it resembles, and a streamed SRID is null.
 */
export interface GeometryValue {
  readonly wkb: Buffer;
  readonly srid: number | null;
}

interface Point { x: number; y: number }
type Parsed = Point | Parsed[];

const CODES: Record<string, number> = { point: 1, linestring: 2, polygon: 3, multipoint: 4, multilinestring: 5, multipolygon: 6, geometrycollection: 7 };

/** From the server's bytes (SRID + WKB), as the snapshot reads them. */
export function geometryFromServerBytes(bytes: Buffer): GeometryValue {
  const srid = bytes.readUInt32LE(0);
  return { wkb: Buffer.from(bytes.subarray(4)), srid: srid === 0 ? null : srid };
}

/** From the binlog library's decoded value; `declared` is the column's type name (`geometry`, `point`, ...). */
export function geometryFromDecoded(value: unknown, declared: string): GeometryValue {
  const parts: Buffer[] = [];
  write(parts, value as Parsed, CODES[declared] ?? shapeCode(value as Parsed));
  return { wkb: Buffer.concat(parts), srid: null };
}

function isPoint(v: Parsed): v is Point {
  return !Array.isArray(v) && typeof v === 'object' && v !== null && 'x' in v;
}

/** the WKB type a decoded value looks like, when the column does not say */
function shapeCode(v: Parsed): number {
  if (isPoint(v)) return 1;
  const first = v[0];
  if (first === undefined || isPoint(first)) return 2;
  const inner = first[0];
  return inner === undefined || isPoint(inner) ? 3 : 6;
}

function header(parts: Buffer[], code: number, count?: number): void {
  const b = Buffer.alloc(count === undefined ? 5 : 9);
  b.writeUInt8(1, 0);
  b.writeUInt32LE(code, 1);
  if (count !== undefined) b.writeUInt32LE(count, 5);
  parts.push(b);
}

function points(parts: Buffer[], list: readonly Point[]): void {
  const b = Buffer.alloc(4 + 16 * list.length);
  b.writeUInt32LE(list.length, 0);
  list.forEach((p, i) => { b.writeDoubleLE(p.x, 4 + 16 * i); b.writeDoubleLE(p.y, 12 + 16 * i); });
  parts.push(b);
}

function write(parts: Buffer[], v: Parsed, code: number): void {
  switch (code) {
    case 1: {
      const p = v as Point;
      header(parts, 1);
      const b = Buffer.alloc(16);
      b.writeDoubleLE(p.x, 0);
      b.writeDoubleLE(p.y, 8);
      parts.push(b);
      return;
    }
    case 2:
      header(parts, 2);
      points(parts, v as Point[]);
      return;
    case 3: {
      const rings = v as Point[][];
      header(parts, 3, rings.length);
      for (const ring of rings) points(parts, ring);
      return;
    }
    default: {
      // multi-geometries and collections: a count, then each part as a whole WKB geometry
      const members = v as Parsed[];
      header(parts, code, members.length);
      const member = code === 4 ? 1 : code === 5 ? 2 : code === 6 ? 3 : undefined;
      for (const m of members) write(parts, m, member ?? shapeCode(m));
    }
  }
}
