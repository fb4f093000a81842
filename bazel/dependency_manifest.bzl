"""What a set of targets reaches in the build graph, written to a file for the dockerless verifier.

`bazel query` cannot run inside a test, so the graph is walked at analysis time instead: an aspect
follows every attribute of every reached rule and `dependency_manifest` writes one line per fact:

    root @//tools/cri:cri                   a target the manifest was asked for
    repository krl                          every repository a reached label lives in
    target @bazel_tools//tools/cpp:stl      every reached label, with its repository
    file tools/cri/main.cc                  every source file (execroot-relative, so
                                            external ones read external/<repo>/...)
    generated bazel-out/k8-fastbuild/...    every generated file a rule names directly
    linkopt -lgrpc++                        every link option (system libraries enter so)
    binary tools/cri/cri                    executables of the roots (runfiles-relative)
    library runtime/util/libclock.a         archives of the project's own C++ libraries

Implicit and private attributes (`_cc_toolchain`, `_grep_includes`, `_stl`, ...) are followed too:
the toolchain and Bazel's own helpers are part of what a binary is built from, so a toolchain or
tool that names docker must fail the check as well. Limits of Bazel 4, where the walk stops and
names are listed instead: labels held in nodep attributes (the compiler map of
cc_toolchain_suite) are listed but not entered; a generated file's generating rule is listed by
its label but its own inputs are not reached (aspects do not pass through generated files).
Configuration conditions (`select` keys) are not attributes and are not listed.

The binaries and libraries are also the rule's runfiles, so a test that takes the manifest as
data can open every file the manifest names.

    load("//bazel:dependency_manifest.bzl", "dependency_manifest")
    dependency_manifest(name = "shipped", targets = ["//tools/cri:cri"])
    # bazel-bin/<pkg>/shipped.txt lists what //tools/cri:cri reaches.
"""

DependencyManifestInfo = provider(
    doc = "What one target reaches, collected by dependency_manifest_aspect.",
    fields = {
        "labels": "depset of label strings, `@repo//pkg:name`",
        "repositories": "depset of repository names",
        "files": "depset of File: every file named by a reached rule",
        "linkopts": "depset of link option strings",
        "libraries": "depset of File: archives of the main repository's C++ libraries",
    },
)

def _label_string(label):
    return "@%s//%s:%s" % (label.workspace_name, label.package, label.name)

def _targets_of(value):
    """The Targets inside one attribute value: a Target, a list of them, or a dict of them."""
    kind = type(value)
    if kind == "Target":
        return [value]
    if kind == "list":
        return [v for v in value if type(v) == "Target"]
    if kind == "dict":
        return [k for k in value.keys() if type(k) == "Target"] + \
               [v for v in value.values() if type(v) == "Target"]
    return []

def _labels_of(value):
    """Plain Labels inside one attribute value: nodep attributes, such as the toolchain map of
    cc_toolchain_suite, name targets the aspect cannot visit; they are listed by name."""
    kind = type(value)
    if kind == "Label":
        return [value]
    if kind == "list":
        return [v for v in value if type(v) == "Label"]
    if kind == "dict":
        return [k for k in value.keys() if type(k) == "Label"] + \
               [v for v in value.values() if type(v) == "Label"]
    return []

def _own_libraries(target):
    """The archive (or, failing that, shared object) a main-repository cc target builds itself."""
    if CcInfo not in target or target.label.workspace_name != "":
        return []
    out = []
    for linker_input in target[CcInfo].linking_context.linker_inputs.to_list():
        if linker_input.owner != target.label:
            continue
        for lib in linker_input.libraries:
            f = lib.static_library or lib.pic_static_library or lib.dynamic_library
            if f:
                out.append(f)
    return out

def _dependency_manifest_aspect_impl(target, ctx):
    labels = [_label_string(target.label)]
    repositories = [target.label.workspace_name or ctx.workspace_name]
    files = []
    linkopts = []
    transitive = []

    for name in dir(ctx.rule.attr):
        if name in ("to_json", "to_proto"):
            continue
        value = getattr(ctx.rule.attr, name)
        if name == "linkopts" and type(value) == "list":
            linkopts.extend([v for v in value if type(v) == "string"])
            continue
        for label in _labels_of(value):
            labels.append(_label_string(label))
            repositories.append(label.workspace_name or ctx.workspace_name)
        for dep in _targets_of(value):
            if DependencyManifestInfo in dep:
                transitive.append(dep[DependencyManifestInfo])
            else:
                # A source file, or a target the aspect does not visit: record it by name. Its
                # files are not read here (Bazel 4 crashes on DefaultInfo of some toolchain
                # targets); source files reach the manifest through ctx.rule.files below.
                labels.append(_label_string(dep.label))
                repositories.append(dep.label.workspace_name or ctx.workspace_name)

    for name in dir(ctx.rule.files):
        if name in ("to_json", "to_proto"):
            continue
        value = getattr(ctx.rule.files, name)
        if type(value) == "list":
            files.extend(value)

            # Bazel 4 does not carry aspects through a generated file to the rule that made it,
            # so that rule is listed by name (its own inputs are not reached).
            for f in value:
                if not f.is_source:
                    labels.append(_label_string(f.owner))
                    repositories.append(f.owner.workspace_name or ctx.workspace_name)

    return [DependencyManifestInfo(
        labels = depset(labels, transitive = [t.labels for t in transitive]),
        repositories = depset(repositories, transitive = [t.repositories for t in transitive]),
        files = depset(files, transitive = [t.files for t in transitive]),
        linkopts = depset(linkopts, transitive = [t.linkopts for t in transitive]),
        libraries = depset(_own_libraries(target), transitive = [t.libraries for t in transitive]),
    )]

dependency_manifest_aspect = aspect(
    implementation = _dependency_manifest_aspect_impl,
    attr_aspects = ["*"],
    doc = "Collects every label, repository, file and link option a target reaches.",
)

def _dependency_manifest_impl(ctx):
    infos = [t[DependencyManifestInfo] for t in ctx.attr.targets]
    labels = sorted(depset(transitive = [i.labels for i in infos]).to_list())
    repositories = sorted(depset(transitive = [i.repositories for i in infos]).to_list())
    files = depset(transitive = [i.files for i in infos]).to_list()
    linkopts = sorted(depset(transitive = [i.linkopts for i in infos]).to_list())
    libraries = depset(transitive = [i.libraries for i in infos]).to_list()

    binaries = []
    runfiles = ctx.runfiles(files = libraries)
    for t in ctx.attr.targets:
        executable = t[DefaultInfo].files_to_run.executable
        if executable:
            binaries.append(executable)

            # The binary's own runfiles hold the shared objects its RUNPATH points at.
            runfiles = runfiles.merge(t[DefaultInfo].default_runfiles)
    runfiles = runfiles.merge(ctx.runfiles(files = binaries))

    lines = ["# What %s reaches; written by //bazel:dependency_manifest.bzl." % ctx.label]
    lines += ["root " + _label_string(t.label) for t in ctx.attr.targets]
    lines += ["repository " + r for r in repositories]
    lines += ["target " + l for l in labels]
    lines += sorted(["file " + f.path for f in files if f.is_source])
    lines += sorted(["generated " + f.path for f in files if not f.is_source])
    lines += ["linkopt " + o for o in linkopts]
    lines += ["binary " + f.short_path for f in binaries]
    lines += sorted(["library " + f.short_path for f in libraries])

    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.write(out, "\n".join(lines) + "\n")
    return [DefaultInfo(
        files = depset([out]),
        runfiles = runfiles.merge(ctx.runfiles(files = [out])),
    )]

dependency_manifest = rule(
    implementation = _dependency_manifest_impl,
    attrs = {
        "targets": attr.label_list(
            aspects = [dependency_manifest_aspect],
            doc = "The roots: binaries and libraries whose whole graph is listed.",
        ),
    },
    doc = "Writes <name>.txt: everything `targets` reach (see the file's doc), plus their files.",
)
