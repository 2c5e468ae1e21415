"""Utilisateurs: create accounts, set role and structure, deactivate, reset passwords, issue and
revoke API tokens (admin)."""

import streamlit as st

from tracker import ui
from tracker.accounts import tokens, users
from tracker.core.formats import format_datetime
from tracker.core.i18n import t
from tracker.core.tables import diff_frames

actor = ui.require_actor("pages/users.py")
st.title(t("users.title"))
revision = ui.page_revision("users")

with ui.read() as session:  # the table as drawn is kept while edits are pending or saved
    frame = ui.editor_rows("users_table", users.users_frame(session, actor),
                           key=f"users_table_{revision}", save="users_save")
    structure_codes = users.structure_codes(session)

st.subheader(t("users.edit_users"))
st.caption(t("users.help"))
if awaiting := users.awaiting_role(frame):
    st.info(ui.plain(t("users.awaiting", n=len(awaiting), logins=", ".join(awaiting))),
            icon=":material/person_alert:")
edited = st.data_editor(placeholder="—",
                        data=frame, column_order=users.EDITABLE_COLUMNS, hide_index=True,
                        column_config=ui.column_config(users.column_specs(structure_codes)),
                        key=f"users_table_{revision}", width="stretch")
if st.button(t("common.save"), key="users_save", type="primary"):
    ui.act("users", users.save_users, actor,
           diff_frames(frame, edited, users.EDITABLE_COLUMNS), frame["version"].to_dict(),
           flash=lambda written: t("reference.saved", n=written))

left, right = st.columns(2)
with left.form("users_create", clear_on_submit=True):
    st.subheader(t("users.new_user"))
    login = st.text_input(t("users.login"), key="users_new_login")
    name = st.text_input(t("users.display_name"), key="users_new_name")
    email = st.text_input(t("users.email"), key="users_new_email")
    role = st.selectbox(t("users.role"), users.ROLES, key="users_new_role",
                        format_func=lambda r: t(f"users.roles.{r}"))
    structure = st.selectbox(t("users.structure"), ["", *structure_codes],
                             key="users_new_structure")
    password = st.text_input(t("users.password"), type="password", key="users_new_password")
    if st.form_submit_button(t("users.create"), type="primary"):
        ui.act("users", users.create_user, actor, {
            "login": login, "display_name": name, "email": email, "role": role,
            "structure_code": structure or None, "password": password or None},
            flash=t("users.created", login=login.lower()))

with right.form("users_reset", clear_on_submit=True):
    st.subheader(t("users.reset"))
    target = st.selectbox(t("users.reset_user"), list(frame.index), key="users_reset_user",
                          format_func=lambda i: str(frame.loc[i, "login"]))
    new_password = st.text_input(t("users.reset_password"), type="password",
                                 key="users_reset_password")
    if st.form_submit_button(t("users.reset_button")):
        ui.act("users", users.reset_password, actor, int(target), new_password,
               flash=t("users.password_reset"))

with st.expander(t("users.locked_title")):
    st.caption(t("users.locked_help"))
    with ui.read() as session:
        locked = users.locked_sign_ins(session, actor)
    if not locked:
        st.caption(t("users.locked_none"))
    else:
        blocked = st.selectbox(t("users.locked_key"), list(locked), key="users_locked",
                               format_func=locked.__getitem__)
        if st.button(t("users.unlock"), key="users_unlock"):
            ui.act("users", users.unlock_sign_in, actor, blocked,
                   flash=t("users.unlocked", name=users.throttle_name(blocked)))

st.subheader(t("api.tokens_title"))
st.caption(t("api.tokens_help"))
if issued := st.session_state.pop("users_token_issued", None):  # shown this once, never again
    st.warning(t("api.token_shown_once"))
    st.code(issued, language=None)
with ui.read() as session:
    token_list = tokens.tokens_frame(session, actor)
    revocable = tokens.revocable_tokens(session, actor)
if token_list.empty:
    st.caption(t("api.tokens_none"))
else:
    ui.table(token_list, "api.col_")
left, right = st.columns(2)
with left.form("users_token_form", clear_on_submit=True):
    holder = st.selectbox(t("api.token_user"), list(frame.index), key="users_token_user",
                          format_func=lambda i: str(frame.loc[i, "login"]))
    days = st.number_input(t("api.token_days_label"), min_value=1, max_value=tokens.MAX_DAYS,
                           value=tokens.DEFAULT_DAYS, step=1, key="users_token_days")
    if st.form_submit_button(t("api.token_create"), type="primary"):
        ui.act("users", tokens.issue_token, actor, int(holder), int(days),
               flash=lambda made: t("api.token_created", login=made.login,
                                    until=format_datetime(made.expires_at)),
               then=lambda made: st.session_state.update(users_token_issued=made.token))
if revocable:
    with right.form("users_token_revoke_form"):
        chosen = st.selectbox(t("api.token_revoke_choice"), list(revocable),
                              key="users_token_revoke", format_func=revocable.__getitem__)
        if st.form_submit_button(t("api.token_revoke")):
            ui.act("users", tokens.revoke_token, actor, int(chosen),
                   flash=lambda prefix: t("api.token_revoked_done", prefix=prefix))
