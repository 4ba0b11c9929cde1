#!/usr/bin/env python3
"""Where a traced .NET process spent its time while running (not waiting).

dotnet-trace's `report topN` counts every thread's samples, idle ones included. This reads a trace
converted to speedscope (`dotnet dotnet-trace convert --format Speedscope x.nettrace`), drops the
time of stacks whose innermost frame is a wait (semaphores, monitors, epoll, socket reads), and
prints the frames with the most inclusive running time.

Usage: bench/trace-cpu.py trace.speedscope.json [top] [filter]
  filter: only count stacks that contain a frame with this text (e.g. PreviewGenerator)
"""
import json
import re
import sys
from collections import defaultdict

WAITING = re.compile(
    r"WaitOneNoCheck|WaitForSignal|WaitNative|Monitor\.Wait|WaitMultiple|WaitAnyMultiple|Thread\.Sleep|"
    r"SleepInternal|Interop\+Sys\.(Read|WaitForSocketEvents|Poll|Accept)|EventLoop|LowLevelLifoSemaphore|"
    r"Interop\+Sys\.Receive|epoll|Kernel32\.WaitFor|SpinWait|SpinThenBlockingWait|Thread\.Join")


PSEUDO = {"CPU_TIME", "UNMANAGED_CODE_TIME"}


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    only = sys.argv[3] if len(sys.argv) > 3 else None
    data = json.load(open(path))
    names = [f["name"] for f in data["shared"]["frames"]]
    inclusive = defaultdict(float)
    exclusive = defaultdict(float)
    running = 0.0
    for profile in data["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            at = event["at"]
            if stack and last is not None and at > last:
                frames = [names[i] for i in stack]
                # The sampled-thread-time profile ends each stack with CPU_TIME (running managed code) or
                # UNMANAGED_CODE_TIME (in native code: waiting, or working in the runtime, zlib, a syscall).
                real = [f for f in frames if f not in PSEUDO]
                leaf = real[-1] if real else frames[-1]
                if not WAITING.search(leaf) and (only is None or any(only in f for f in frames)):
                    span = at - last
                    running += span
                    exclusive[leaf] += span
                    for name in set(frames):
                        inclusive[name] += span
            last = at
            if event["type"] == "O":
                stack.append(event["frame"])
            elif stack:
                stack.pop()
    print(f"running time counted: {running:.0f} {data['profiles'][0].get('unit', '')}")
    print("\ninclusive (share of running time)")
    for name, span in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{100 * span / running:6.1f}%  {name[:150]}")
    print("\nexclusive")
    for name, span in sorted(exclusive.items(), key=lambda kv: -kv[1])[:top // 2]:
        print(f"{100 * span / running:6.1f}%  {name[:150]}")


if __name__ == "__main__":
    main()
