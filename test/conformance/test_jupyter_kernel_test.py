"""Jupyter's own conformance suite (jupyter_kernel_test) against the installed threadlab kernelspec.

Every sample is filled so that no test is skipped; `npm test` fails if any test is skipped here.
"""
import os
import unittest

import jupyter_kernel_test as jkt

# THREADLAB_KERNEL_NAME: scripts/test.mjs runs the suite again against kernelspecs installed with other Node lines.
KERNEL = os.environ.get("THREADLAB_KERNEL_NAME", "threadlab")


class ThreadlabKernelTests(jkt.KernelTests):
    kernel_name = KERNEL
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = "console.log('hello, world')"
    code_stderr = "console.error('to stderr')"

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "%lsm", "matches": {"%lsmagic"}},
        {"text": "%%tim", "matches": {"%%time", "%%timeit"}},
    ]

    complete_code_samples = ["1 + 1", "const answer = 42;", "%lsmagic", "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "const s = [1,", "if (true) {\n  console.log(1);"]
    invalid_code_samples = ["const = 5;", "x = )", "let 1x = 2;"]

    code_page_something = "%lsmagic?"

    code_generate_error = "throw new Error('boom')"

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "'thread' + 'lab'", "result": "'threadlab'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
    ]

    code_display_data = [
        {"code": "import { display } from 'threadlab'\ndisplay.html('<b>bold</b>')", "mime": "text/html"},
        {"code": "import { display } from 'threadlab'\ndisplay.markdown('*it*')", "mime": "text/markdown"},
    ]

    code_history_pattern = "1 + *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = "import { clearOutput } from 'threadlab'\nclearOutput()"


class ThreadlabIopubWelcomeTests(jkt.IopubWelcomeTests):
    kernel_name = KERNEL
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
