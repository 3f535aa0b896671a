#!/usr/bin/env python3
"""tests/lib/deploy_check.py — checks of deploy/ for tests/integration/deploy_*.sh.

  deploy_check.py manifests SRCROOT   every YAML parses; Kubernetes Jobs, the
                                      Indexed Job and the CronJob have what they
                                      need and reference only Secrets/ConfigMaps
                                      (and keys) defined in the examples; the
                                      GitHub workflows have triggers, steps, the
                                      SARIF upload, the checkpoint; the systemd
                                      unit is sandboxed; the Containerfile's
                                      image is the one the manifests run
  deploy_check.py options SRCROOT     every `pgfleet` invocation in deploy/ names
                                      a command of src/cli/main.c's command table
                                      that is implemented, and only long options
                                      that command accepts (its *_opts[] array)
  deploy_check.py runtime-packages SRCROOT PGFLEET
                                      prints the Debian packages of the shared
                                      libraries PGFLEET needs, and those of them
                                      missing from the Containerfile's runtime stage

Prints one line per problem ("FILE: message") and exits 1 if there is any,
0 otherwise; 2 on usage errors. Uses PyYAML (Debian: python3-yaml).
"""
import os
import re
import shlex
import subprocess
import sys

import yaml

problems = []


def problem(path, msg):
    problems.append(f"{path}: {msg}")


def rel(root, path):
    return os.path.relpath(path, root)


def deploy_files(root, exts):
    out = []
    for d, _, files in os.walk(os.path.join(root, "deploy")):
        out += [os.path.join(d, f) for f in files if f.endswith(exts)]
    return sorted(out)


def load_yaml(root):
    """{relative path: [documents]} for every .yaml/.yml under deploy/."""
    docs = {}
    for path in deploy_files(root, (".yaml", ".yml")):
        try:
            with open(path, encoding="utf-8") as f:
                docs[rel(root, path)] = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            problem(rel(root, path), f"does not parse: {e}".replace("\n", " "))
    return docs


def container_image(root):
    """The image tag deploy/Containerfile says it is built as (its `-t` line)."""
    with open(os.path.join(root, "deploy", "Containerfile"), encoding="utf-8") as f:
        m = re.search(r"build -f deploy/Containerfile -t (\S+)", f.read())
    return m.group(1) if m else None


# --- Kubernetes -----------------------------------------------------------------

def k8s_objects(docs):
    return [(p, d) for p, ds in docs.items() if "kubernetes" in p.split(os.sep) for d in ds]


def pod_spec(kind, obj):
    spec = obj.get("spec") or {}
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return spec, ((spec.get("template") or {}).get("spec") or {})


def env_names(c):
    return {e.get("name") for e in c.get("env") or []}


def check_refs(path, name, c, pod, secrets, configmaps):
    for e in c.get("env") or []:
        src = e.get("valueFrom") or {}
        for ref, defined, what in (("secretKeyRef", secrets, "Secret"), ("configMapKeyRef", configmaps, "ConfigMap")):
            r = src.get(ref)
            if r is None:
                continue
            if r.get("name") not in defined:
                problem(path, f"container {name}: env {e.get('name')} names {what} '{r.get('name')}', not defined in deploy/kubernetes")
            elif r.get("key") not in defined[r.get("name")]:
                problem(path, f"container {name}: env {e.get('name')}: {what} '{r.get('name')}' has no key '{r.get('key')}'")
    vols = {v.get("name") for v in pod.get("volumes") or []}
    for m in c.get("volumeMounts") or []:
        if m.get("name") not in vols:
            problem(path, f"container {name}: volumeMount '{m.get('name')}' has no volume")
    # $(VAR) in command/args expands only for variables declared in env: an
    # undeclared one is passed literally.
    for a in (c.get("command") or []) + (c.get("args") or []):
        for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", str(a)):
            if var not in env_names(c):
                problem(path, f"container {name}: $({var}) in its arguments is not declared in its env")
    sc = c.get("securityContext") or {}
    if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False:
        problem(path, f"container {name}: securityContext needs readOnlyRootFilesystem: true, allowPrivilegeEscalation: false")


def check_workload(path, obj, secrets, configmaps, image):
    kind = obj.get("kind")
    if obj.get("apiVersion") != "batch/v1":
        problem(path, f"{kind}: apiVersion must be batch/v1, is {obj.get('apiVersion')!r}")
    meta = obj.get("metadata") or {}
    if not (meta.get("name") or meta.get("generateName")):
        problem(path, f"{kind}: metadata needs name or generateName")
    if kind == "CronJob":
        if not (obj.get("spec") or {}).get("schedule"):
            problem(path, "CronJob: spec.schedule is missing")
        if (obj.get("spec") or {}).get("concurrencyPolicy") != "Forbid":
            problem(path, "CronJob: concurrencyPolicy must be Forbid (never two reconcilers from one CronJob)")
    job, pod = pod_spec(kind, obj)
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        problem(path, f"{kind}: the pod's restartPolicy must be Never or OnFailure, is {pod.get('restartPolicy')!r}")
    if (pod.get("securityContext") or {}).get("runAsNonRoot") is not True:
        problem(path, f"{kind}: the pod's securityContext needs runAsNonRoot: true")
    containers = pod.get("containers") or []
    if not containers:
        problem(path, f"{kind}: no containers")
        return
    if not containers[0].get("image") or not (containers[0].get("args") or containers[0].get("command")):
        problem(path, f"{kind}: containers[0] needs an image and args")
    for c in (pod.get("initContainers") or []) + containers:
        if image and c.get("image") != image:
            problem(path, f"container {c.get('name')}: image {c.get('image')!r} is not {image!r} (deploy/Containerfile)")
        check_refs(path, c.get("name"), c, pod, secrets, configmaps)
    for v in pod.get("volumes") or []:
        if "secret" in v:
            s = v["secret"]
            if s.get("secretName") not in secrets:
                problem(path, f"volume {v.get('name')}: Secret '{s.get('secretName')}' is not defined in deploy/kubernetes")
            if s.get("defaultMode") is not None and s["defaultMode"] & 0o007:
                problem(path, f"volume {v.get('name')}: defaultMode {s['defaultMode']:o} lets others read the Secret")
        if "configMap" in v and v["configMap"].get("name") not in configmaps:
            problem(path, f"volume {v.get('name')}: ConfigMap '{v['configMap'].get('name')}' is not defined in deploy/kubernetes")
    shards = [a for c in containers for a in (c.get("args") or []) if re.fullmatch(r"\$\(JOB_COMPLETION_INDEX\)/\d+", str(a))]
    uses_shard = any("--shard" in (c.get("args") or []) for c in containers)
    if job.get("completionMode") == "Indexed" or uses_shard:
        if job.get("completionMode") != "Indexed":
            problem(path, f"{kind}: --shard $(JOB_COMPLETION_INDEX)/N needs completionMode: Indexed")
        if len(shards) != 1:
            problem(path, f"{kind}: an Indexed Job needs one '--shard $(JOB_COMPLETION_INDEX)/N' argument, has {len(shards)}")
        else:
            n = int(shards[0].rsplit("/", 1)[1])
            if not (job.get("completions") == job.get("parallelism") == n):
                problem(path, f"{kind}: completions ({job.get('completions')}) and parallelism ({job.get('parallelism')}) must both equal the N of --shard I/{n}")


def check_kubernetes(docs, image):
    objs = k8s_objects(docs)
    if not objs:
        problem("deploy/kubernetes", "no manifests")
        return
    secrets, configmaps = {}, {}
    for path, o in objs:
        if not isinstance(o, dict) or not o.get("kind") or not o.get("apiVersion"):
            problem(path, "a document without kind and apiVersion")
            continue
        keys = set((o.get("data") or {}).keys()) | set((o.get("stringData") or {}).keys())
        if o["kind"] == "Secret":
            secrets[o["metadata"]["name"]] = keys
        elif o["kind"] == "ConfigMap":
            configmaps[o["metadata"]["name"]] = keys
    kinds = {}
    for path, o in objs:
        if isinstance(o, dict) and o.get("kind") in ("Job", "CronJob"):
            check_workload(path, o, secrets, configmaps, image)
            mode = "Indexed Job" if (o.get("spec") or {}).get("completionMode") == "Indexed" else o["kind"]
            kinds[mode] = kinds.get(mode, 0) + 1
    for want in ("Job", "Indexed Job", "CronJob"):
        if not kinds.get(want):
            problem("deploy/kubernetes", f"no {want}")
    print(f"# kubernetes: {len(objs)} objects; {', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}; "
          f"Secrets {sorted(secrets)}; ConfigMaps {sorted(configmaps)}")


# --- GitHub workflows -------------------------------------------------------------

def workflow_steps(wf):
    return [s for j in (wf.get("jobs") or {}).values() for s in (j or {}).get("steps") or []]


def check_github(docs):
    wfs = {p: ds[0] for p, ds in docs.items() if "github" in p.split(os.sep) and ds}
    for path, wf in wfs.items():
        on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` key as true
        if not on:
            problem(path, "no `on:` trigger")
        if not wf.get("jobs"):
            problem(path, "no jobs")
        for jname, j in (wf.get("jobs") or {}).items():
            if not j.get("runs-on") or not j.get("steps"):
                problem(path, f"job {jname}: needs runs-on and steps")
            for s in j.get("steps") or []:
                if not (s.get("run") or s.get("uses")):
                    problem(path, f"job {jname}: a step with neither run nor uses")
        steps = workflow_steps(wf)
        runs = "\n".join(s.get("run") or "" for s in steps)
        checkout = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
        if not checkout or str((checkout[0].get("with") or {}).get("fetch-depth")) != "0":
            problem(path, "actions/checkout needs fetch-depth: 0 (pgfleet reads the history)")
        if "pull_request" in (on or {}):
            m = re.search(r"--format sarif\s*>\s*(\S+)", runs)
            upload = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
            if not m:
                problem(path, "no `pgfleet check ... --format sarif > FILE` step")
            if not upload:
                problem(path, "no github/codeql-action/upload-sarif step")
            elif m and (upload[0].get("with") or {}).get("sarif_file") != m.group(1):
                problem(path, f"upload-sarif's sarif_file is not {m.group(1)}, the file check writes")
            if "--format github" not in runs:
                problem(path, "no `pgfleet check ... --format github` step (annotations)")
            if (wf.get("permissions") or {}).get("security-events") != "write":
                problem(path, "upload-sarif needs permissions: security-events: write")
        if "push" in (on or {}):
            conc = wf.get("concurrency") or {}
            if not conc.get("group") or conc.get("cancel-in-progress") is not False:
                problem(path, "a reconcile workflow needs a concurrency group with cancel-in-progress: false")
            for want in ('reconcile --pinned --commit "$GITHUB_SHA"', "ledger checkpoint", "--checkpoint", "umask 077"):
                if want not in runs:
                    problem(path, f"no step running `{want}`")
    if not any("pull_request" in (w.get("on", w.get(True)) or {}) for w in wfs.values()):
        problem("deploy/github", "no pull_request workflow")
    if not any("push" in (w.get("on", w.get(True)) or {}) for w in wfs.values()):
        problem("deploy/github", "no push workflow")
    print(f"# github: {len(wfs)} workflows")


# --- systemd and the Containerfile --------------------------------------------------

def unit_settings(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
                k, v = line.rstrip("\n").split("=", 1)
                out.setdefault(k.strip(), []).append(v)
    return out


def check_systemd(root):
    services = [p for p in deploy_files(root, (".service",))]
    if not services or not deploy_files(root, (".timer",)):
        problem("deploy/systemd", "needs a .service and a .timer")
    for path in services:
        s = unit_settings(path)
        r = rel(root, path)
        for k, v in (("DynamicUser", "yes"), ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes")):
            if v not in s.get(k, []):
                problem(r, f"needs {k}={v}")
        creds = [c.split(":", 1)[0] for c in s.get("LoadCredential", [])]
        keys = re.findall(r"--key (\S+)", " ".join(s.get("ExecStart", []) + s.get("ExecStartPost", [])))
        if not keys or any(k not in (f"%d/{c}" for c in creds) for k in keys):
            problem(r, f"--key must name a LoadCredential= file under %d (keys {keys}, credentials {creds})")


def containerfile_stages(root):
    with open(os.path.join(root, "deploy", "Containerfile"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\\\n", " ", text)
    stages = re.split(r"(?m)^FROM ", text)[1:]
    return stages


def check_containerfile(root):
    r = "deploy/Containerfile"
    stages = containerfile_stages(root)
    if len(stages) < 2:
        problem(r, "must be multi-stage (build, runtime)")
        return
    for st in stages:
        if not re.match(r"\S*debian:bookworm", st):
            problem(r, f"stage '{st.splitlines()[0]}' is not Debian bookworm")
    last = stages[-1]
    user = re.findall(r"(?m)^USER (\S+)", last)
    if not user or user[-1].split(":")[0] in ("0", "root"):
        problem(r, "the runtime stage must end as a non-root USER")
    if not re.search(r'(?m)^ENTRYPOINT \["[^"]*pgfleet"\]', last):
        problem(r, 'the runtime stage needs ENTRYPOINT ["/usr/bin/pgfleet"]')
    if re.search(r"-dev\b", last):
        problem(r, "the runtime stage installs -dev packages")


def runtime_packages(root, binary):
    """Debian packages of the shared libraries binary needs directly (objdump
    NEEDED, resolved by ldd, owned per dpkg -S), and those missing from the
    Containerfile's runtime stage."""
    needed = re.findall(r"NEEDED\s+(\S+)", subprocess.run(["objdump", "-p", binary], capture_output=True, text=True, check=True).stdout)
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(["ldd", binary], capture_output=True, text=True).stdout, re.M))
    pkgs = set()
    for lib in needed:
        if re.match(r"lib(c|m|pthread|dl|rt)\.so|libasan|libubsan|libgcc_s|ld-linux", lib):
            continue  # libc6 / the toolchain / a sanitizer build
        if lib not in paths:
            problem(binary, f"ldd cannot resolve {lib}")
            continue
        real = os.path.realpath(paths[lib])
        out = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True)
        if out.returncode != 0:  # merged /usr: dpkg may know it under /lib
            out = subprocess.run(["dpkg", "-S", re.sub(r"^/usr/lib/", "/lib/", real)], capture_output=True, text=True)
        if out.returncode != 0:
            problem(binary, f"no Debian package owns {real}")
            continue
        pkgs.add(out.stdout.split(":", 1)[0])
    installed = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", " ".join(re.findall(r"apt-get install[^&]*", containerfile_stages(root)[-1]))))
    for p in sorted(pkgs - installed):
        problem("deploy/Containerfile", f"the runtime stage does not install {p} (pgfleet needs it)")
    print(f"# runtime packages of {os.path.basename(binary)}: {' '.join(sorted(pkgs))}")


# --- pgfleet invocations against the command table -------------------------------------

def command_table(root):
    """{command: (implemented, {long options})} from src/cli/main.c, plus the
    options every command accepts (src/cli/options.c's always[])."""
    with open(os.path.join(root, "src", "cli", "main.c"), encoding="utf-8") as f:
        main = f.read()
    with open(os.path.join(root, "src", "cli", "options.c"), encoding="utf-8") as f:
        options_c = f.read()
    always = set(re.findall(r'"([a-z-]+)"', re.search(r"always\[\]\s*=\s*\{([^}]*)\}", options_c).group(1)))
    # options without a value ({ "name", short, NULL, "help" }): the others take the next word
    flags = set(re.findall(r'\{\s*"([a-z-]+)",\s*[^,]+,\s*NULL,', options_c))
    arrays = {m.group(1): set(re.findall(r'"([a-z-]+)"', m.group(2)))
              for m in re.finditer(r"static const char \*const (\w+_opts)\[\]\s*=\s*\{(.*?)\};", main, re.S)}
    table = {}
    body = re.search(r"commands\[\]\s*=\s*\{(.*?)\n\};", main, re.S).group(1)
    for m in re.finditer(r'\{\s*"([a-z-]+)",\s*"(?:[^"\\]|\\.)*",\s*(?:"(?:[^"\\]|\\.)*"\s*)+,\s*(\w+),\s*(\w+)\s*\}', body):
        name, opts, fn = m.groups()
        table[name] = (fn != "NULL", (arrays.get(opts, set()) if opts != "NULL" else set()) | always)
    return table, flags


def shell_commands(text):
    """Shell-ish text -> token lists of the commands that run pgfleet."""
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        for part in re.split(r"\|\||&&|;|\|", line):
            try:
                toks = shlex.split(part, comments=True)
            except ValueError:
                continue
            for i, t in enumerate(toks):
                if re.fullmatch(r"(\S*/)?pgfleet", t) and ":" not in t and i + 1 < len(toks) and not toks[i + 1].startswith("<"):
                    out.append(toks[i + 1:])
                    break
    return out


def invocations(root, docs):
    """[(file, argv after 'pgfleet')] from workflows, manifests and units."""
    found = []
    for path, ds in docs.items():
        for d in ds:
            if "github" in path.split(os.sep):
                for s in workflow_steps(d):
                    found += [(path, a) for a in shell_commands(s.get("run") or "")]
            elif isinstance(d, dict) and d.get("kind") in ("Job", "CronJob"):
                _, pod = pod_spec(d["kind"], d)
                for c in (pod.get("initContainers") or []) + (pod.get("containers") or []):
                    if "pgfleet" in str(c.get("image")) and not c.get("command"):
                        found.append((path, [str(a) for a in c.get("args") or []]))
    for path in deploy_files(root, (".service",)):
        for k, vals in unit_settings(path).items():
            if k.startswith("Exec"):
                for v in vals:
                    v = v.replace("$$", "$")
                    m = re.match(r"\S*/sh -\w+ '(.*)'$", v)
                    found += [(rel(root, path), a) for a in shell_commands(m.group(1) if m else v)]
    return found


def check_options(root, docs):
    table, flags = command_table(root)
    calls = invocations(root, docs)
    for path, argv in calls:
        cmd, i = None, 0
        while i < len(argv) and cmd is None:  # global options may come first
            a = argv[i]
            if not a.startswith("-"):
                cmd = a
            elif a.startswith("--") and "=" not in a and a[2:] not in flags:
                i += 1  # its value
            i += 1
        if cmd not in table:
            problem(path, f"pgfleet {cmd}: not a command of src/cli/main.c")
            continue
        implemented, opts = table[cmd]
        if not implemented:
            problem(path, f"pgfleet {cmd}: listed in src/cli/main.c but not implemented yet")
        for a in argv:
            if a.startswith("--") and a[2:].split("=", 1)[0] not in opts:
                problem(path, f"pgfleet {cmd}: unknown option {a.split('=', 1)[0]} (not in its *_opts[] in src/cli/main.c)")
    if not calls:
        problem("deploy", "no pgfleet invocation found")
    print(f"# {len(calls)} pgfleet invocations checked against {len(table)} commands")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("manifests", "options", "runtime-packages") or \
            (argv[1] == "runtime-packages") != (len(argv) == 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = argv[2]
    if argv[1] == "runtime-packages":
        runtime_packages(root, argv[3])
    else:
        docs = load_yaml(root)
        if argv[1] == "manifests":
            image = container_image(root)
            if not image:
                problem("deploy/Containerfile", "no `build -f deploy/Containerfile -t IMAGE` line naming the image")
            check_kubernetes(docs, image)
            check_github(docs)
            check_systemd(root)
            check_containerfile(root)
        else:
            check_options(root, docs)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
