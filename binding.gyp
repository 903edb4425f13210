# node-gyp build of the CPU addon from the same sources CMakeLists.txt uses (prebuildify runs this).
# ISA-specific kernels get their own static libraries so only they are compiled with AVX flags (the
# lists in scripts/isa-flags.json, which CMakeLists.txt reads too); on other architectures (arm64:
# GH200, Apple) those libraries are empty ("none") and get no x86 flags.
{
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-O3", "-Wall", "-Wextra", "-fexceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "include_dirs": ["native/core/include"],
    "defines": ["NAPI_VERSION=2147483647", "NAPI_EXPERIMENTAL", "NODE_ADDON_API_DISABLE_DEPRECATED",
                "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"]
  },
  "targets": [
    {
      "target_name": "gsparse_avx2",
      "type": "none",
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", {
        "type": "static_library",
        "sources": ["<!@(node scripts/native-sources.cjs avx2)"],
        "cflags_cc": ["<!@(node -p \"require('./scripts/isa-flags.json').avx2.join(' ')\")"]
      }]]
    },
    {
      "target_name": "gsparse_avx512",
      "type": "none",
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", {
        "type": "static_library",
        "sources": ["<!@(node scripts/native-sources.cjs avx512)"],
        "cflags_cc": ["<!@(node -p \"require('./scripts/isa-flags.json').avx512.join(' ')\")"]
      }]]
    },
    {
      "target_name": "gsparse",
      "sources": ["<!@(node scripts/native-sources.cjs core)", "<!@(node scripts/native-sources.cjs addon)"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except", "gsparse_avx2", "gsparse_avx512"],
      "libraries": ["-lpthread"]
    }
  ]
}
