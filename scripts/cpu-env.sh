# Sourced by the scripts that start Oxbow's JVMs. oneDNN 3.5.3 (inside libtorch 2.5.1) computes
# some AVX2 and AVX-512 convolutions wrongly on AMD family 26 (Zen 5) hosts: a channels-last
# 1x1 stride-2 convolution of 256 to 512 channels is off by ~40 % of its scale, which breaks
# ResNet-18 (EncoderExportTest), and NCHW input gradients of small convolutions are wrong
# (EnginesTest); its SSE4.1 kernels, and the AVX2 ones in channels-last, are right. small-cnn, the
# default, trains to the same numbers on every ISA there. On such a host the ISA is capped at AVX2
# (about 15 % slower per step) unless ONEDNN_MAX_CPU_ISA is already set.
if [ -z "${ONEDNN_MAX_CPU_ISA:-}" ] && grep -q '^vendor_id.*AuthenticAMD' /proc/cpuinfo 2>/dev/null \
    && [ "$(awk -F': ' '/^cpu family/ {print $2; exit}' /proc/cpuinfo)" = 26 ]; then
  export ONEDNN_MAX_CPU_ISA=AVX2
  echo "[oxbow] AMD family 26 host: oneDNN capped at AVX2 (ONEDNN_MAX_CPU_ISA; see scripts/cpu-env.sh)" >&2
fi
