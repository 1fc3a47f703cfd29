"""Hatch build hook, after hatch-jupyter-builder has staged build/wheel/ (scripts/build-wheel-kernel.mjs).

- Puts the kernel's node_modules into the wheel as data (<prefix>/share/threadlab/kernel/node_modules).
  Not through `shared-data`: hatchling filters shared-data through .gitignore by target path, and the
  `node_modules/` pattern would drop every file; force-include does not filter.
- Tags the wheel for this platform: npm installed only this platform's optional native packages (koffi's
  @koromix/koffi-<os>-<arch>), so a `py3-none-any` wheel would install a kernel that cannot load koffi
  elsewhere. No Python ABI is involved: any Python 3.
"""
import os
import sysconfig

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class WheelKernelHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        if self.target_name != "wheel" or version == "editable":
            return
        modules = os.path.join(self.root, "build", "wheel", "kernel", "node_modules")
        data = f"{self.build_config.builder.project_id}.data/data"
        build_data["force_include"][modules] = f"{data}/share/threadlab/kernel/node_modules"
        build_data["pure_python"] = False
        build_data["tag"] = "py3-none-" + sysconfig.get_platform().replace("-", "_").replace(".", "_")
