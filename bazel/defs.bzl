"""The project's C++ rules: one place for warnings, the Catch2 main and protobuf code generation."""

# Every target of the project compiles with these; generated code does not (see krl_cc_grpc_library).
KRL_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
]

def krl_cc_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = KRL_COPTS + copts, **kwargs)

def krl_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = KRL_COPTS + copts, **kwargs)

# ThreadSanitizer's suppressions (--config=tsan names the file relative to the test's runfiles).
TSAN_SUPPRESSIONS = "//bazel:tsan_suppressions.txt"

def krl_cc_test(name, deps = [], copts = [], size = "small", data = [], **kwargs):
    """A Catch2 v2 test: links the shared Catch2 main compiled once in //testing:catch_main."""
    native.cc_test(
        name = name,
        size = size,
        copts = KRL_COPTS + copts,
        deps = deps + ["//testing:catch_main"],
        data = data + [TSAN_SUPPRESSIONS],
        **kwargs
    )

def krl_cc_benchmark(name, deps = [], copts = [], **kwargs):
    """A Google Benchmark binary (run by hand or by tools/dev bench, never by `bazel test`)."""
    native.cc_binary(
        name = name,
        copts = KRL_COPTS + copts,
        deps = deps + ["//third_party:benchmark"],
        **kwargs
    )

def krl_cc_fuzz_test(name, srcs, deps = [], corpus = [], copts = [], tags = [], **kwargs):
    """A libFuzzer target: `srcs` define LLVMFuzzerTestOneInput (LLVMFuzzerInitialize optional).

    In the ordinary build it is a test that runs every seed of `corpus` once through the target
    (//testing/fuzz:replay_main), so `bazel test //...` keeps the seeds passing without clang.
    Under --config=fuzz (clang with libFuzzer, see .bazelrc) it links libFuzzer's main instead;
    `tools/dev fuzz` finds every target tagged "fuzz", builds and runs it. `corpus` lists the seed
    files, kept in <package>/testdata/fuzz/<name>/ (glob that folder).
    """
    if not corpus:
        fail("krl_cc_fuzz_test %s needs a seed corpus (testdata/fuzz/%s/)" % (name, name))
    native.filegroup(
        name = name + "_corpus",
        testonly = True,
        srcs = corpus,
    )
    native.cc_test(
        name = name,
        size = kwargs.pop("size", "small"),
        srcs = srcs,
        copts = KRL_COPTS + copts,
        deps = deps + select({
            "//bazel:fuzz": [],
            "//conditions:default": ["//testing/fuzz:replay_main"],
        }),
        linkopts = select({
            "//bazel:fuzz": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        data = [":" + name + "_corpus", TSAN_SUPPRESSIONS],
        # The seed files; libFuzzer's main, given files, also runs each once and exits.
        args = ["$(locations :" + name + "_corpus)"],
        tags = tags + ["fuzz"],
        **kwargs
    )

def krl_cc_grpc_library(name, src, deps = [], grpc = True, visibility = None):
    """Runs protoc (and the gRPC C++ plugin) from Debian on one .proto file into one cc_library.

    The whole generated schema stays in a single target so it is compiled once.
    """
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    # A missing code generator names its Debian package instead of failing obscurely.
    cmd = ("command -v protoc >/dev/null || { echo 'protoc not found: install Debian package " +
           "protobuf-compiler (run: tools/dev setup)' >&2; exit 1; }; ")
    if grpc:
        cmd += ("command -v grpc_cpp_plugin >/dev/null || { echo 'grpc_cpp_plugin not found: " +
                "install Debian package protobuf-compiler-grpc (run: tools/dev setup)' >&2; " +
                "exit 1; }; ")
    cmd += "protoc -I. --cpp_out=$(GENDIR)"
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
        cmd += " --grpc_out=$(GENDIR) --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)"
    cmd += " $(location " + src + ")"
    native.genrule(
        name = name + "_codegen",
        srcs = [src],
        outs = outs,
        cmd = cmd,
        message = "Generating C++ from " + src,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["//third_party:protobuf"] + (["//third_party:grpc"] if grpc else []),
        # The descriptors register themselves from static initializers; linked statically, an
        # object nothing references would be dropped and the schema missing from the pool.
        alwayslink = True,
        visibility = visibility,
    )
