"""The rigid face ergoaudit fits the face mesh to: the landmarks and weights MediaPipe's face
geometry pipeline uses for its Procrustes fit, and where those landmarks sit on its canonical
face model, read from `geometry_pipeline_metadata_landmarks.binarypb` (packed inside the npm
package @mediapipe/face_mesh).

    face_basis.py METADATA.binarypb            print the table as Rust source
    face_basis.py METADATA.binarypb FACE.rs    check FACE.rs's table against it (exit 1 if not)

The file is a `GeometryPipelineMetadata` protobuf (mediapipe/modules/face_geometry/protos):
field 1 canonical_mesh (Mesh3d: field 3 vertex_buffer, 5 floats per vertex: x, y, z in cm,
then u, v), field 2 procrustes_landmark_basis (repeated: 1 landmark_id, 2 weight). Read with a
few lines of wire-format decoding; no protobuf package needed.
"""
import re
import struct
import sys


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(b, i)
        elif wire == 1:
            value, i = b[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(b, i)
            value, i = b[i:i + n], i + n
        elif wire == 5:
            value, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def basis(path):
    data = open(path, "rb").read()
    mesh, refs = None, []
    for number, _, value in fields(data):
        if number == 1:
            mesh = value
        elif number == 2:
            ref = {n: (v if w == 0 else struct.unpack("<f", v)[0]) for n, w, v in fields(value)}
            refs.append((ref.get(1, 0), ref.get(2, 0.0)))
    floats = []
    for number, wire, value in fields(mesh):
        if number == 3:
            floats += struct.unpack(f"<{len(value) // 4}f", value) if wire == 2 else struct.unpack("<f", value)
    vertices = [floats[i * 5:i * 5 + 3] for i in range(len(floats) // 5)]
    assert len(vertices) == 468, len(vertices)
    return [(i, w, vertices[i]) for i, w in refs]


def rust(rows):
    return "\n".join(f"    ({i}, {w:.9}, [{x:.6}, {y:.6}, {z:.6}])," for i, w, (x, y, z) in rows)


rows = basis(sys.argv[1])
if len(sys.argv) == 2:
    print(rust(rows))
    sys.exit(0)
found = re.findall(r"\((\d+), ([-0-9.e]+), \[([-0-9.e]+), ([-0-9.e]+), ([-0-9.e]+)\]\),",
                   open(sys.argv[2]).read())
ok = len(found) == len(rows) and all(
    int(f[0]) == i and abs(float(f[1]) - w) < 1e-8 and all(abs(float(a) - b) < 1e-5 for a, b in zip(f[2:], p))
    for f, (i, w, p) in zip(found, rows))
print(f"face basis in {sys.argv[2]}: {'the same' if ok else 'DIFFERENT'} ({len(found)} rows, {len(rows)} in the metadata)")
sys.exit(0 if ok else 1)
