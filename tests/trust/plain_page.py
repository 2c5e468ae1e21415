"""A page for tests/trust/test_xss_browser.py: every payload of its corpus through
tracker.ui.plain into each kind of Streamlit text that reads Markdown; with ``?raw=1``, the
payloads as they are, in st.markdown (the control: the test's look must find them)."""

import sys
from pathlib import Path

import streamlit as st

from tracker.ui import plain
from tracker.ui.base import apply_language

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script
from xss_corpus import PAYLOADS

apply_language()
st.title("plain")
if st.query_params.get("raw"):
    for i, payload in enumerate(PAYLOADS):
        st.markdown(f"**{i}** {payload}")
    st.stop()
for i, payload in enumerate(PAYLOADS):
    shown = plain(payload)
    st.markdown(f"**{i}** {shown}")
    st.caption(shown)
    st.warning(shown)
    st.subheader(shown)
    with st.expander(shown):
        st.write(shown)
