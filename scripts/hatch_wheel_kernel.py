"""Hatch build hook, after hatch-jupyter-builder has staged build/wheel/ (scripts/build-wheel-kernel.mjs).

- Puts the kernel's node_modules into the wheel as data (<prefix>/share/threadlab/kernel/node_modules).
  Not through `shared-data`: hatchling filters shared-data through .gitignore by target path, and the
  `node_modules/` pattern would drop every file; force-include does not filter.
- Tags the wheel for this platform: npm installed only this platform's optional native packages (koffi's
  @koromix/koffi-<os>-<arch>), so a `py3-none-any` wheel would install a kernel that cannot load koffi
  elsewhere. No Python ABI is involved: any Python 3. On glibc Linux the tag is manylinux (PyPI takes no
  plain `linux_*` wheels), see GLIBC_FLOOR.
"""
import os
import platform
import sysconfig

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


# The glibc the wheel claims to need: Node.js 20's own (its Linux builds need glibc >= 2.28), so no machine that
# can run the kernel is turned away. The native binaries the kernel loads ask less (koffi 3.3.4 and zeromq
# 6.8.0's glibc-127 build: GLIBC_2.25); test/packaging/test_wheel.py checks them against this tag. zeromq also
# ships builds needing glibc 2.38, which its loader tries only after that one (cmake-ts: highest ABI first).
GLIBC_FLOOR = (2, 28)


def platform_tag() -> str:
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")  # linux_x86_64, macosx_11_0_arm64
    if plat.startswith("linux_") and platform.libc_ver()[0] == "glibc":
        return f"manylinux_{GLIBC_FLOOR[0]}_{GLIBC_FLOOR[1]}_{plat.removeprefix('linux_')}"
    return plat  # musl: koffi and zeromq have musl builds, but no musllinux tag is claimed untested


class WheelKernelHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        if self.target_name != "wheel" or version == "editable":
            return
        modules = os.path.join(self.root, "build", "wheel", "kernel", "node_modules")
        data = f"{self.build_config.builder.project_id}.data/data"
        build_data["force_include"][modules] = f"{data}/share/threadlab/kernel/node_modules"
        build_data["pure_python"] = False
        build_data["tag"] = "py3-none-" + platform_tag()
