"""
gcc -fanalyzer over every C file of src/, with the flags of the build (compile_commands.json):
prints the warnings. Usage: python3 scripts/gcc-analyzer.py [BUILD_DIR] (default build). Takes about
16 s on two cores. Not part of make test: its findings are listed in docs/robustness.md for triage.
"""
import concurrent.futures as cf
import json
import os
import shlex
import subprocess
import sys

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
cmds = [c for c in json.load(open(os.path.join(BUILD, "compile_commands.json"))) if "/src/" in c["file"]]
def run(c):
    argv = shlex.split(c["command"])
    i = argv.index("-o"); argv[i+1] = "/dev/null"
    out = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("-MQ", "-MF"):
            skip = True
            continue
        if a in ("-MD", "-Werror", "-fdiagnostics-color=always"):
            continue
        out.append(a)
    argv = out
    # drop the dependency file args following -MF/-MQ
    r = subprocess.run(argv[:1] + ["-fanalyzer"] + argv[1:], cwd=c["directory"], capture_output=True, text=True, timeout=600)
    return r.stderr
with cf.ThreadPoolExecutor(2) as ex:
    for err in ex.map(run, cmds):
        print(err, end="")
