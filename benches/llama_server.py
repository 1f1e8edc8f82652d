"""Starts llama-cpp-python's OpenAI-compatible server (same arguments as
`python -m llama_cpp.server`) with llama.cpp's extra weight buffer types turned off.

Those buffer types repack weights for AMX tile instructions where the CPU has them; where the
kernel does not grant a process the AMX tiles (some virtual machines and sandboxes), the first
decode then crashes with a segmentation fault. Plain CPU buffers work everywhere. Set
MEDCITE_LLM_EXTRA_BUFTS=1 to keep them on a machine where they work.
"""

import os
import runpy

import llama_cpp.llama_cpp as native

if os.environ.get("MEDCITE_LLM_EXTRA_BUFTS") != "1":
    default_params = native.llama_model_default_params

    def model_params_without_extra_bufts():
        params = default_params()
        params.use_extra_bufts = False
        return params

    native.llama_model_default_params = model_params_without_extra_bufts

runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
