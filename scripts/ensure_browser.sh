#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a downloaded browser build) and need a CJK font to render Chinese.
# As root, install what is missing with apt; otherwise name the packages and fail.
set -euo pipefail
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi -e "wqy" -e "noto sans cjk" -e "noto serif cjk" || missing+=(fonts-wqy-zenhei)
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "安装浏览器测试所需的 Debian 软件包：${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "浏览器测试需要 Debian 软件包：${missing[*]}。请以 root 运行：apt-get install ${missing[*]}" >&2
  exit 1
fi
