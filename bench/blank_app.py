"""A blank Streamlit page: the yardstick of the browser benchmark."""

import streamlit as st

st.write("Page vide")
