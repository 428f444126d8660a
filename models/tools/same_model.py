"""Check that two ONNX files hold the same model: same graph, same weights, same inputs and
outputs, up to the generated names of intermediate tensors and nodes (tf2onnx numbers them
from Python set iteration, which changes from run to run, so the bytes differ).

usage: python same_model.py made.onnx committed.onnx   (exit 0 when the same)
"""
import sys
import onnx
from onnx import numpy_helper


def canonical(path):
    m = onnx.load(path)
    g = m.graph
    keep = {v.name for v in g.input} | {v.name for v in g.output}
    inits = {i.name: i for i in g.initializer}
    names = {}

    def name(n):
        if n == "" or n in keep:
            return n
        if n not in names:
            names[n] = f"t{len(names)}"
        return names[n]

    nodes = []
    weights = []
    for node in g.node:
        ins = []
        for i in node.input:
            ins.append(name(i))
            if i in inits:
                a = numpy_helper.to_array(inits.pop(i))
                weights.append((name(i), str(a.dtype), a.shape, a.tobytes()))
        attrs = sorted((a.name, onnx.helper.get_attribute_value(a).__repr__()) for a in node.attribute)
        nodes.append((node.op_type, node.domain, tuple(ins), tuple(name(o) for o in node.output), tuple(attrs)))
    io = ([(v.name, str(v.type)) for v in g.input], [(v.name, str(v.type)) for v in g.output])
    opsets = sorted((o.domain, o.version) for o in m.opset_import)
    return nodes, weights, io, opsets, sorted(inits)  # leftover initializers are unused


a, b = canonical(sys.argv[1]), canonical(sys.argv[2])
labels = ["nodes", "weights", "inputs/outputs", "opsets", "unused initializers"]
diff = [label for label, x, y in zip(labels, a, b) if x != y]
if diff:
    print(f"{sys.argv[1]} and {sys.argv[2]} differ in: {', '.join(diff)}")
    sys.exit(1)
print(f"same model: {len(a[0])} nodes, {len(a[1])} weight tensors")
