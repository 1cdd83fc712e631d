// Quilt orchestrator actions: each action's operations across targets with before/after, and a
// rollback button whose confirmation names what will be undone and explains `force`. The rollback
// is the Quilt API's own POST /api/elasticity/control/actions/{id}/rollback.
import { api, randomId } from "./api.js";
import { ago, badge, h, json, stateKind, table, fill } from "./dom.js";

/** Operations a rollback undoes: succeeded elasticity writes that are not undos or rollbacks. */
const undoable = (op) => op.status === "succeeded" && op.type.startsWith("elasticity.") && op.type !== "elasticity.rollback_action" && !(op.request && op.request.undo_of);

/** A target the action created had no state before it ("not set"). */
const before = (op) => (op.result?.before == null ? "not set" : json(op.result.before));
const after = (op) => json(op.result?.after ?? op.result?.undone ?? null);

let lastResult = null;

export async function actionsView(main, refresh) {
  const { actions } = await api("/console/api/actions");
  const dialog = h("dialog", { id: "rollback-dialog", "aria-labelledby": "rollback-title" });
  fill(
    main,
    h("h1", { tabindex: "-1" }, "Actions"),
    h("p", { class: "hint" }, "Operations recorded under an X-Orch-Action-Id, across containers, function pools, workloads and node groups."),
    lastResult,
    actions.length
      ? actions.map((a) => actionSection(a, dialog, refresh))
      : h("p", { class: "empty" }, "No orchestrator action yet: Quilt control writes carry X-Orch-Action-Id."),
    dialog,
  );
  return {};
}

function actionSection(a, dialog, refresh) {
  const ops = a.operations;
  const canUndo = !a.rollback_of && ops.some(undoable);
  const status = a.rollback_of ? `rollback of ${a.rollback_of}` : a.rolled_back_by.length ? `rolled back by ${a.rolled_back_by.join(", ")}` : "";
  return h(
    "section",
    { class: "action", "data-action": a.action_id, "aria-labelledby": `act-${a.action_id}` },
    h("h2", { id: `act-${a.action_id}` }, `Action ${a.action_id}`),
    h("p", { class: "meta" }, `${ops.length} operation(s) on ${a.targets.join(", ")} · last ${ago(a.last_at)}`, status ? " · " : "", status),
    table(
      `Operations of ${a.action_id}`,
      ["Target", "Operation", "Status", "Before", "After"],
      ops.map((op) => [`${op.target_kind} ${op.target_id}`, op.type, badge(op.status, stateKind(op.status)), before(op), after(op)]),
    ),
    canUndo ? h("button", { type: "button", class: "danger", "data-rollback": a.action_id, onclick: () => confirmRollback(a, dialog, refresh) }, `Roll back ${a.action_id}…`) : null,
  );
}

function confirmRollback(a, dialog, refresh) {
  const ops = a.operations.filter(undoable).reverse();
  const force = h("input", { type: "checkbox", id: "rollback-force" });
  const error = h("p", { class: "error", role: "alert" });
  const go = h("button", { type: "submit", class: "danger", id: "rollback-confirm" }, "Roll back");
  const cancel = h("button", { type: "button", id: "rollback-cancel", onclick: () => dialog.close() }, "Cancel");
  const form = h(
    "form",
    { method: "dialog" },
    h("h2", { id: "rollback-title" }, `Roll back action ${a.action_id}?`),
    h("p", {}, "These operations will be undone, newest first — each target goes back to its state before the action:"),
    h("ul", { class: "undo-list" }, ops.map((op) => h("li", {}, `${op.target_kind} ${op.target_id}: ${op.type.replace("elasticity.", "")} — back from ${after(op)} to ${before(op)}`))),
    h(
      "p",
      {},
      force,
      h("label", { for: "rollback-force" }, " force"),
      h(
        "span",
        { class: "hint", id: "force-help" },
        " — without force, a target changed by something else since this action (its state is no longer the action's “after”) is left as it is and reported as a conflict. With force it is set back to the “before” state anyway, overwriting that later change.",
      ),
    ),
    error,
    h("p", { class: "buttons" }, cancel, " ", go),
  );
  force.setAttribute("aria-describedby", "force-help");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    go.disabled = true;
    try {
      const op = await api(`/api/elasticity/control/actions/${encodeURIComponent(a.action_id)}/rollback`, {
        method: "POST",
        headers: { "Idempotency-Key": randomId("console"), "X-Orch-Action-Id": randomId(`${a.action_id}-rollback`).slice(0, 120) },
        body: { target_action_id: a.action_id, force: force.checked },
      });
      dialog.close();
      lastResult = h("p", { class: "notice", role: "status", id: "rollback-result" }, `Rollback of ${a.action_id}: ${op.status}${op.reason_message ? ` — ${op.reason_message}` : ""} (operation ${op.operation_id ?? op.id ?? ""})`);
      await refresh();
    } catch (e) {
      error.textContent = `Rollback refused: ${e.message}`;
      go.disabled = false;
    }
  });
  dialog.replaceChildren(form);
  dialog.showModal();
  cancel.focus();
}
