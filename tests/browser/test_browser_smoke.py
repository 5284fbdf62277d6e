"""The browser setup itself: Debian's Chromium renders Chinese text with a CJK font (not tofu boxes)."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import screenshot


def test_chromium_renders_chinese_with_a_cjk_font(page: Page) -> None:
    page.set_content(
        '<p id="t" style="font-size:32px">企业服务智能导办</p><p id="b" style="font-size:32px">□□□□□□□□</p>'
    )
    chinese = page.locator("#t").bounding_box()
    assert chinese is not None and chinese["width"] > 100
    # A font without CJK glyphs draws every character as the same .notdef box; with a CJK font the glyphs differ.
    widths = page.evaluate(
        """() => [...'企业服务'].map(c => { const s = document.createElement('span'); s.textContent = c;
            s.style.fontSize = '32px'; document.body.appendChild(s); const w = s.getBoundingClientRect().width;
            s.remove(); return w; })"""
    )
    assert all(w > 20 for w in widths)
    assert screenshot(page, "browser-smoke").stat().st_size > 1000
