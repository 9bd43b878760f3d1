// connectd console: a single page over the worker's REST API, with no dependency and no build step.
// Views are chosen by the URL's hash (#/cluster, #/connectors, #/connectors/NAME, #/create, #/plugins,
// #/plugins/CLASS); the live ones poll the API every two seconds while the page is visible.
'use strict';

(() => {
  const POLL_MS = 2000;
  // The API is the origin's root: the console lives at <root>/ui/, so "../" is the root, behind a proxy too.
  // Credentials typed into the address bar (http://user:pass@host/ui/) must not reach fetch, which refuses
  // them: the browser sends them itself once it has used them for the page.
  const apiRoot = new URL('../', location.href);
  apiRoot.username = '';
  apiRoot.password = '';
  const main = document.getElementById('main');
  const alertBox = document.getElementById('alert');
  const noticeBox = document.getElementById('notice');
  const liveBox = document.getElementById('live');
  const updated = document.getElementById('updated');

  // --- REST calls -------------------------------------------------------------------------------------------

  // Explicit credentials, only when the sign-in dialog was used: otherwise the browser sends the ones it was
  // asked for when it loaded the page. Kept in memory only: a reload asks again.
  let authorization = '';

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // api sends one request and returns the parsed JSON answer (null for an empty one), or the text with
  // {text: true}. An error answer throws an ApiError carrying Kafka Connect's message; a 401 opens the sign-in
  // dialog unless {quiet: true}.
  async function api(method, path, body, opts = {}) {
    const headers = {Accept: opts.text ? 'text/plain' : 'application/json'};
    if (authorization) headers.Authorization = authorization;
    let payload;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(new URL(path, apiRoot), {method, headers, body: payload, credentials: 'same-origin', cache: 'no-store'});
    } catch (e) {
      throw new ApiError(0, 'The worker cannot be reached: ' + e.message);
    }
    const text = await resp.text();
    if (resp.status === 401) {
      if (!opts.quiet) askCredentials();
      throw new ApiError(401, text || 'The worker asks for credentials.');
    }
    if (!resp.ok) {
      let message = text || resp.statusText;
      try {
        const j = JSON.parse(text);
        if (j && typeof j.message === 'string') message = j.message;
      } catch (_) { /* not JSON: keep the text */ }
      throw new ApiError(resp.status, message);
    }
    if (opts.text) return text;
    return text ? JSON.parse(text) : null;
  }

  const enc = encodeURIComponent;

  function askCredentials() {
    const dlg = document.getElementById('signin');
    if (dlg.open) return;
    dlg.showModal();
  }

  document.getElementById('signin-form').addEventListener('submit', () => {
    const user = document.getElementById('signin-user').value;
    const pass = document.getElementById('signin-pass').value;
    const bytes = new TextEncoder().encode(user + ':' + pass);
    authorization = 'Basic ' + btoa(String.fromCharCode(...bytes));
    document.getElementById('signin-pass').value = '';
    setTimeout(() => route(), 0);
  });

  // --- DOM helpers ------------------------------------------------------------------------------------------

  // h builds an element: attrs are attributes, except "text" (text content), "class" and on* (listeners).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  function stateBadge(state, attrs = {}) {
    const s = state || 'UNKNOWN';
    return h('span', {...attrs, class: `state state-${s.replace(/\W+/g, '_')} ${attrs.class || ''}`.trim(), text: s});
  }

  // replaceIfChanged re-renders el only when key changed, so that polling keeps focus and selection.
  function replaceIfChanged(el, key, build) {
    if (el.dataset.key === key) return;
    el.dataset.key = key;
    el.replaceChildren(...[build()].flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  }

  function showError(e, context) {
    const prefix = context ? context + ': ' : '';
    const status = e instanceof ApiError && e.status ? `HTTP ${e.status}: ` : '';
    alertBox.textContent = prefix + status + e.message;
  }

  function clearError() { alertBox.textContent = ''; }

  let noticeTimer;
  function notice(msg) {
    noticeBox.textContent = msg;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { noticeBox.textContent = ''; }, 6000);
  }

  function fmtRate(v) {
    if (v === undefined || v === null || Number.isNaN(v)) return '–';
    return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  }

  // --- lenient JSON -----------------------------------------------------------------------------------------

  // stripComments removes // and /* */ comments outside strings, as the worker accepts them; the text is
  // sent as written, this is only for the console's own reading of it.
  function stripComments(src) {
    let out = '';
    let i = 0;
    while (i < src.length) {
      const c = src[i];
      if (c === '"') {
        let j = i + 1;
        while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
        out += src.slice(i, j + 1);
        i = j + 1;
      } else if (c === '/' && src[i + 1] === '/') {
        while (i < src.length && src[i] !== '\n') i++;
      } else if (c === '/' && src[i + 1] === '*') {
        const end = src.indexOf('*/', i + 2);
        i = end < 0 ? src.length : end + 2;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  }

  function parseLenient(text) {
    try {
      return JSON.parse(stripComments(text));
    } catch (e) {
      throw new Error('The text is not valid JSON: ' + e.message);
    }
  }

  // connectorRequest reads a create request ({"name", "config"}) or a bare config map with a "name".
  function connectorRequest(text) {
    const doc = parseLenient(text);
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('Expected a JSON object.');
    const wrapped = doc.config && typeof doc.config === 'object' && !Array.isArray(doc.config);
    const config = wrapped ? doc.config : doc;
    const name = String((wrapped ? doc.name : undefined) ?? config.name ?? '').trim();
    return {name, config, wrapped};
  }

  // --- metrics ----------------------------------------------------------------------------------------------

  // A label value may hold any character, "}" included, with \\, \" and \n escaped.
  const RATE_RE = /^kafka_connect_(?:source|sink)_task_metrics_(source_record_poll_rate|source_record_write_rate|sink_record_read_rate|sink_record_send_rate)\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}\s+(\S+)/gm;
  const LABEL_RE = /(\w+)="((?:[^"\\]|\\.)*)"/g;

  // unescapeLabel reads a Prometheus label value.
  function unescapeLabel(v) {
    return v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
  }

  // throughput reads the metrics of every worker of the group (GET /connectd/workers/{id}/metrics, which the
  // serving worker fetches from its peers), or of the serving worker alone when the group is not known:
  // a Map connector → Map task → {in, out} records per second (Maps: a connector may be named __proto__).
  // null when no worker serves metrics.
  async function throughput() {
    // Quiet: a peer that refuses the credentials (workers that do not share a credentials file) costs its
    // rates, not a sign-in.
    const cluster = await api('GET', 'connectd/cluster', undefined, {quiet: true}).catch(() => null);
    const paths = cluster && cluster.workers.length > 0
      ? cluster.workers.map((w) => `connectd/workers/${enc(w.id)}/metrics`) : ['metrics'];
    const texts = (await Promise.all(paths.map((p) => api('GET', p, undefined, {text: true, quiet: true}).catch(() => null))))
      .filter((t) => t !== null);
    if (texts.length === 0) return null;
    const out = new Map();
    for (const text of texts) {
      for (const m of text.matchAll(RATE_RE)) {
        const labels = new Map();
        for (const l of m[2].matchAll(LABEL_RE)) labels.set(l[1], unescapeLabel(l[2]));
        const conn = labels.get('connector');
        const id = labels.get('task');
        if (conn === undefined || id === undefined) continue;
        if (!out.has(conn)) out.set(conn, new Map());
        const tasks = out.get(conn);
        if (!tasks.has(id)) tasks.set(id, {});
        const task = tasks.get(id);
        const v = parseFloat(m[3]);
        if (m[1] === 'source_record_poll_rate' || m[1] === 'sink_record_read_rate') task.in = v;
        else task.out = v;
      }
    }
    return out;
  }

  function connectorRate(rates, name) {
    const tasks = rates && rates.get(name);
    if (!tasks) return null;
    const sum = {in: 0, out: 0};
    for (const t of tasks.values()) {
      sum.in += t.in || 0;
      sum.out += t.out || 0;
    }
    return sum;
  }

  function rateText(r) {
    return r ? `${fmtRate(r.in)} in · ${fmtRate(r.out)} out` : '–';
  }

  function setText(el, text) {
    if (el.textContent !== text) el.textContent = text;
  }

  // ratesPoller reads the throughput apart from a view's statuses, which it never holds up: poll starts a
  // read unless one is under way, and apply gets it while the view that made the poller is shown. The
  // tables are keyed on states only and apply sets their rate cells in place, so that polling keeps focus.
  function ratesPoller(apply) {
    const gen = generation;
    let busy = false;
    const p = {
      last: null,
      poll() {
        if (busy) return;
        busy = true;
        throughput().then((r) => {
          p.last = r;
          if (gen === generation) apply(r);
        }).catch(() => {}).finally(() => { busy = false; });
      },
    };
    return p;
  }

  // --- views ------------------------------------------------------------------------------------------------

  async function expandedConnectors() {
    return (await api('GET', 'connectors?expand=status&expand=info')) || {};
  }

  function clusterView() {
    const facts = h('dl', {class: 'facts', id: 'cluster-facts'});
    const workers = h('div', {id: 'cluster-workers'});
    main.replaceChildren(h('h2', {text: 'Cluster'}), facts, h('h3', {text: 'Workers'}), workers);
    return async () => {
      const [root, cluster, conns] = await Promise.all([
        api('GET', ''),
        api('GET', 'connectd/cluster').catch((e) => { if (e.status === 404) return null; throw e; }),
        expandedConnectors(),
      ]);
      replaceIfChanged(facts, JSON.stringify([root, cluster && [cluster.generation, cluster.leader, cluster.rebalancing]]), () => [
        h('dt', {text: 'Kafka Connect version'}), h('dd', {text: `${root.version} (commit ${root.commit})`}),
        h('dt', {text: 'Kafka cluster'}), h('dd', {class: 'mono', text: root.kafka_cluster_id}),
        h('dt', {text: 'Generation'}), h('dd', {id: 'cluster-generation', text: cluster ? String(cluster.generation) : 'unknown'}),
        h('dt', {text: 'Leader'}), h('dd', {id: 'cluster-leader', class: 'mono', text: cluster ? (cluster.leader || 'none yet') : 'unknown'}),
        h('dt', {text: 'Rebalancing'}), h('dd', {text: cluster ? (cluster.rebalancing ? 'yes' : 'no') : 'unknown'}),
      ]);
      // What each worker runs: the leader's assignment when the cluster view has it, with the states from
      // the statuses; otherwise the workers the statuses name.
      const states = new Map(); // not an object: a connector may be named __proto__
      const byWorker = new Map();
      const entry = (id) => {
        if (!byWorker.has(id)) byWorker.set(id, {connectors: [], tasks: []});
        return byWorker.get(id);
      };
      for (const [name, c] of Object.entries(conns)) {
        const st = c.status || {};
        states.set(name, st.connector || {});
        for (const t of st.tasks || []) states.set(`${name}-${t.id}`, t);
      }
      if (cluster && cluster.workers.length > 0) {
        for (const w of cluster.workers) {
          const e = entry(w.id);
          e.url = w.url;
          e.connectors = w.connectors.map((n) => ({name: n, state: (states.get(n) || {}).state}));
          e.tasks = w.tasks.map((t) => ({name: t.connector, id: t.task, state: (states.get(`${t.connector}-${t.task}`) || {}).state}));
        }
      } else {
        for (const [name, c] of Object.entries(conns)) {
          const st = c.status || {};
          if (st.connector && st.connector.worker_id) entry(st.connector.worker_id).connectors.push({name, state: st.connector.state});
          for (const t of st.tasks || []) if (t.worker_id) entry(t.worker_id).tasks.push({name, id: t.id, state: t.state});
        }
        if (cluster && cluster.leader) entry(cluster.leader);
      }
      const rows = [...byWorker.entries()].sort((a, b) => a[0].localeCompare(b[0]));
      replaceIfChanged(workers, JSON.stringify([rows, cluster && cluster.leader]), () => {
        if (rows.length === 0) return h('p', {class: 'empty', text: 'No worker is known yet.'});
        return h('table', {id: 'workers-table'},
          h('thead', {}, h('tr', {}, h('th', {scope: 'col', text: 'Worker'}), h('th', {scope: 'col', text: 'Connectors'}), h('th', {scope: 'col', text: 'Tasks'}))),
          h('tbody', {}, rows.map(([id, w]) => h('tr', {'data-worker': id},
            h('th', {scope: 'row'}, h('span', {class: 'mono', text: id}), cluster && cluster.leader === id ? [' ', h('span', {class: 'badge', text: 'leader'})] : null),
            h('td', {}, w.connectors.length ? w.connectors.map((c) => h('div', {}, h('a', {href: `#/connectors/${enc(c.name)}`, text: c.name}), ' ', stateBadge(c.state))) : h('span', {class: 'empty', text: 'none'})),
            h('td', {}, w.tasks.length ? w.tasks.map((t) => h('div', {}, h('a', {href: `#/connectors/${enc(t.name)}`, text: `${t.name}-${t.id}`}), ' ', stateBadge(t.state))) : h('span', {class: 'empty', text: 'none'})),
          ))));
      });
    };
  }

  function connectorsView() {
    const body = h('div', {id: 'connectors'});
    main.replaceChildren(h('h2', {text: 'Connectors'}), body,
      h('p', {class: 'muted', text: 'Records/s: records in (polled or read) and out (written to Kafka or put to the sink) per second, from the workers\' /metrics.'}));
    const applyRates = (r) => {
      for (const td of body.querySelectorAll('td[data-rate-connector]')) setText(td, rateText(connectorRate(r, td.dataset.rateConnector)));
    };
    const rates = ratesPoller(applyRates);
    return async () => {
      rates.poll();
      const conns = await expandedConnectors();
      const names = Object.keys(conns).sort();
      replaceIfChanged(body, JSON.stringify(conns), () => {
        if (names.length === 0) return h('p', {class: 'empty'}, 'No connector yet. ', h('a', {href: '#/create', text: 'Create one.'}));
        return h('table', {id: 'connectors-table'},
          h('thead', {}, h('tr', {}, ['Name', 'Type', 'Class', 'State', 'Tasks', 'Worker', 'Records/s'].map((t) => h('th', {scope: 'col', class: t === 'Records/s' ? 'num' : null, text: t})))),
          h('tbody', {}, names.map((name) => {
            const c = conns[name];
            const st = c.status || {connector: {}, tasks: []};
            const info = c.info || {config: {}};
            const running = (st.tasks || []).filter((t) => t.state === 'RUNNING').length;
            const failed = (st.tasks || []).filter((t) => t.state === 'FAILED').length;
            return h('tr', {'data-connector': name},
              h('th', {scope: 'row'}, h('a', {href: `#/connectors/${enc(name)}`, text: name})),
              h('td', {text: st.type || info.type || ''}),
              h('td', {class: 'mono', text: (info.config || {})['connector.class'] || ''}),
              h('td', {}, stateBadge(st.connector.state)),
              h('td', {text: `${running}/${(st.tasks || []).length} running${failed ? `, ${failed} failed` : ''}`}),
              h('td', {class: 'mono', text: st.connector.worker_id || ''}),
              h('td', {class: 'num', 'data-rate-connector': name, text: rateText(connectorRate(rates.last, name))}));
          })));
      });
    };
  }

  // validationTable shows a validate answer next to the keys: every key given and every key with errors.
  function validationTable(result, given) {
    const rows = [];
    for (const c of result.configs || []) {
      const v = c.value || {};
      const errors = v.errors || [];
      if (!Object.hasOwn(given, v.name) && errors.length === 0) continue;
      // The worker leaves out the value of a key it could not parse: show what was given.
      const value = v.value ?? (given[v.name] === null || given[v.name] === undefined ? null : String(given[v.name]));
      rows.push({name: v.name, value, errors, doc: c.definition && c.definition.documentation});
    }
    rows.sort((a, b) => (b.errors.length > 0) - (a.errors.length > 0) || a.name.localeCompare(b.name));
    const summary = result.error_count > 0
      ? h('p', {class: 'field-errors', id: 'validation-summary', text: `${result.error_count} error${result.error_count === 1 ? '' : 's'} in the configuration.`})
      : h('p', {id: 'validation-summary', text: 'The configuration is valid.'});
    return [summary, h('table', {class: 'validation'},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col', text: 'Key'}), h('th', {scope: 'col', text: 'Value'}), h('th', {scope: 'col', text: 'Errors'}))),
      h('tbody', {}, rows.map((r) => h('tr', {class: r.errors.length ? 'has-error' : null, 'data-key': r.name},
        h('th', {scope: 'row', class: 'mono', title: r.doc || null, text: r.name}),
        h('td', {class: 'mono', text: r.value === null || r.value === undefined ? '' : r.value}),
        h('td', {}, r.errors.length ? h('ul', {class: 'field-errors'}, r.errors.map((e) => h('li', {text: e}))) : '')))))];
  }

  // validate runs PUT /connector-plugins/{class}/config/validate; it returns true when there is no error.
  async function validate(config, name, out) {
    const cls = config['connector.class'];
    if (!cls) throw new Error('The configuration has no "connector.class".');
    const body = {...config};
    if (name && body.name === undefined) body.name = name;
    const result = await api('PUT', `connector-plugins/${enc(cls)}/config/validate`, body);
    out.replaceChildren(...validationTable(result, body));
    return result.error_count === 0;
  }

  function createView() {
    const text = h('textarea', {id: 'create-text', spellcheck: 'false', 'aria-describedby': 'create-help',
      placeholder: '{\n  "name": "my-connector",\n  "config": {\n    "connector.class": "...",\n    "tasks.max": "1"\n  }\n}'});
    const file = h('input', {type: 'file', id: 'create-file', accept: '.json,application/json,text/plain'});
    const result = h('div', {id: 'create-result', 'aria-live': 'polite'});
    file.addEventListener('change', async () => {
      if (file.files.length > 0) text.value = await file.files[0].text();
    });
    const check = async () => {
      clearError();
      const req = connectorRequest(text.value);
      if (!req.name) throw new Error('The connector has no name: give "name" next to "config".');
      return [req, await validate(req.config, req.name, result)];
    };
    const form = h('form', {id: 'create-form'},
      h('p', {id: 'create-help'}, 'Paste a connector as for ', h('code', {text: 'POST /connectors'}),
        ' (', h('code', {text: '{"name": …, "config": {…}}'}), ') or a config map with a "name"; ',
        h('code', {text: '//'}), ' and ', h('code', {text: '/* */'}), ' comments are fine. It is validated before it is created.'),
      h('p', {}, h('label', {for: 'create-file', text: 'Load a file'}), file),
      h('p', {}, h('label', {for: 'create-text', text: 'Connector JSON'})), text,
      h('div', {class: 'actions'},
        h('button', {type: 'button', id: 'create-validate', onclick: () => check().catch((e) => showError(e, 'Validate'))}, 'Validate'),
        h('button', {type: 'submit', id: 'create-submit', class: 'primary'}, 'Create connector')),
      result);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const [req, ok] = await check();
        if (!ok) {
          showError(new Error('Fix the errors shown next to the keys, then create again.'), 'Validate');
          return;
        }
        // The text goes as written (the worker accepts its comments); a bare config map is wrapped.
        const body = req.wrapped ? text.value : JSON.stringify({name: req.name, config: req.config});
        const info = await api('POST', 'connectors', body);
        notice(`Connector ${info.name} created.`);
        location.hash = `#/connectors/${enc(info.name)}`;
      } catch (e) {
        showError(e, 'Create');
      }
    });
    main.replaceChildren(h('h2', {text: 'New connector'}), form);
    return null;
  }

  function connectorView(name) {
    const summary = h('div', {id: 'conn-summary'});
    const tasks = h('div', {id: 'conn-tasks'});
    const topics = h('div', {id: 'conn-topics'});
    const includeTasks = h('input', {type: 'checkbox', id: 'restart-include-tasks'});
    const onlyFailed = h('input', {type: 'checkbox', id: 'restart-only-failed'});
    const configText = h('textarea', {id: 'config-text', spellcheck: 'false'});
    const configResult = h('div', {id: 'config-result', 'aria-live': 'polite'});
    const offsets = h('div', {id: 'conn-offsets'});
    const resetOffsets = h('button', {type: 'button', id: 'act-reset-offsets', class: 'danger', disabled: true,
      title: 'Only a STOPPED connector\'s offsets can be reset'}, 'Reset offsets');
    const path = `connectors/${enc(name)}`;

    // act runs an action, tells its outcome and refreshes at once.
    const act = (label, fn) => async () => {
      clearError();
      try {
        const msg = await fn();
        notice(msg || `${label}: done.`);
        await tick();
      } catch (e) {
        showError(e, label);
      }
    };
    const loadConfig = async () => {
      const cfg = await api('GET', `${path}/config`);
      configText.value = JSON.stringify(cfg, null, 2);
      configResult.replaceChildren();
    };
    const loadOffsets = async () => {
      const res = await api('GET', `${path}/offsets`);
      const list = (res && res.offsets) || [];
      offsets.replaceChildren(list.length === 0 ? h('p', {class: 'empty', text: 'No offsets committed.'})
        : h('table', {id: 'offsets-table'},
          h('thead', {}, h('tr', {}, h('th', {scope: 'col', text: 'Partition'}), h('th', {scope: 'col', text: 'Offset'}))),
          h('tbody', {}, list.map((o) => h('tr', {}, h('td', {}, h('pre', {class: 'json', text: JSON.stringify(o.partition, null, 1)})),
            h('td', {}, h('pre', {class: 'json', text: JSON.stringify(o.offset, null, 1)})))))));
    };
    resetOffsets.addEventListener('click', act('Reset offsets', async () => {
      if (!confirm(`Reset every offset of connector ${name}? It starts from scratch when resumed.`)) return 'Reset cancelled.';
      const res = await api('DELETE', `${path}/offsets`);
      await loadOffsets();
      return (res && res.message) || 'Offsets reset.';
    }));

    main.replaceChildren(
      h('h2', {}, 'Connector ', h('span', {class: 'mono', id: 'conn-name', text: name})),
      summary,
      h('div', {class: 'actions', role: 'group', 'aria-label': 'Connector actions'},
        h('button', {type: 'button', id: 'act-pause', onclick: act('Pause', async () => { await api('PUT', `${path}/pause`); return 'Pause requested.'; })}, 'Pause'),
        h('button', {type: 'button', id: 'act-resume', onclick: act('Resume', async () => { await api('PUT', `${path}/resume`); return 'Resume requested.'; })}, 'Resume'),
        h('button', {type: 'button', id: 'act-stop', onclick: act('Stop', async () => { await api('PUT', `${path}/stop`); return 'Stop requested.'; })}, 'Stop'),
        h('fieldset', {}, h('legend', {text: 'Restart'}),
          h('button', {type: 'button', id: 'act-restart', onclick: act('Restart', async () => {
            await api('POST', `${path}/restart?includeTasks=${includeTasks.checked}&onlyFailed=${onlyFailed.checked}`);
            return 'Restart requested.';
          })}, 'Restart'),
          includeTasks, h('label', {for: 'restart-include-tasks', text: 'include tasks'}),
          onlyFailed, h('label', {for: 'restart-only-failed', text: 'only failed'})),
        h('button', {type: 'button', id: 'act-delete', class: 'danger', onclick: act('Delete', async () => {
          if (!confirm(`Delete connector ${name}? Its config is removed from the cluster; its offsets stay.`)) return 'Delete cancelled.';
          const live = refresh;
          await quiesce();
          try {
            await api('DELETE', path);
          } catch (e) {
            refresh = live;
            throw e;
          }
          location.hash = '#/connectors';
          return `Connector ${name} deleted.`;
        })}, 'Delete…')),
      h('h3', {text: 'Tasks'}), tasks,
      h('h3', {text: 'Active topics'}), topics,
      h('div', {class: 'grid2'},
        h('section', {'aria-labelledby': 'config-h'},
          h('h3', {id: 'config-h'}, h('label', {for: 'config-text', text: 'Configuration'})),
          configText,
          h('div', {class: 'actions'},
            h('button', {type: 'button', id: 'config-validate', onclick: act('Validate', async () => {
              const ok = await validate(parseLenient(configText.value), name, configResult);
              return ok ? 'The configuration is valid.' : 'The configuration has errors.';
            })}, 'Validate'),
            h('button', {type: 'button', id: 'config-save', class: 'primary', onclick: act('Save', async () => {
              if (!await validate(parseLenient(configText.value), name, configResult)) throw new Error('Fix the errors shown next to the keys, then save again.');
              await api('PUT', `${path}/config`, configText.value);
              return 'Configuration saved.';
            })}, 'Validate and save'),
            h('button', {type: 'button', id: 'config-reload', onclick: act('Reload', async () => { await loadConfig(); return 'Configuration reloaded.'; })}, 'Reload')),
          configResult),
        h('section', {'aria-labelledby': 'offsets-h'},
          h('h3', {id: 'offsets-h', text: 'Offsets'}),
          h('div', {class: 'actions'},
            h('button', {type: 'button', id: 'act-offsets', onclick: act('Offsets', async () => { await loadOffsets(); return 'Offsets loaded.'; })}, 'Show offsets'),
            resetOffsets),
          offsets)));

    const taskRate = (r, id) => {
      const t = r && r.get(name) && r.get(name).get(String(id));
      return t ? rateText(t) : '–';
    };
    const rates = ratesPoller((r) => {
      for (const tr of tasks.querySelectorAll('tr[data-task]')) setText(tr.querySelector('td.rate'), taskRate(r, tr.dataset.task));
    });
    loadConfig().catch((e) => showError(e, 'Configuration'));
    return async () => {
      rates.poll();
      const [found, info, active] = await Promise.all([
        // A connector just created has no status until a worker starts it: 404 then, not an error.
        api('GET', `${path}/status`).catch((e) => { if (e.status === 404) return null; throw e; }),
        api('GET', path),
        api('GET', `${path}/topics`).catch(() => null),
      ]);
      const status = found || {connector: {state: 'NO STATUS YET', worker_id: ''}, tasks: [], type: info.type};
      resetOffsets.disabled = status.connector.state !== 'STOPPED';
      replaceIfChanged(summary, JSON.stringify([status.connector, status.type, info.config['connector.class']]), () => [
        h('dl', {class: 'facts'},
          h('dt', {text: 'State'}), h('dd', {}, stateBadge(status.connector.state, {id: 'conn-state'})),
          h('dt', {text: 'Type'}), h('dd', {id: 'conn-type', text: status.type || info.type || ''}),
          h('dt', {text: 'Class'}), h('dd', {class: 'mono'}, info.config['connector.class']
            ? h('a', {id: 'conn-class', href: `#/plugins/${enc(info.config['connector.class'])}`, title: 'Configuration documentation',
              text: info.config['connector.class']}) : ''),
          h('dt', {text: 'Worker'}), h('dd', {class: 'mono', id: 'conn-worker', text: status.connector.worker_id || ''})),
        status.connector.trace ? [h('h3', {text: 'Connector failure'}), h('pre', {class: 'trace', id: 'conn-trace', text: status.connector.trace})] : null,
      ]);
      replaceIfChanged(tasks, JSON.stringify(status.tasks), () => {
        if (status.tasks.length === 0) return h('p', {class: 'empty', text: 'No task.'});
        return h('table', {id: 'tasks-table'},
          h('thead', {}, h('tr', {}, ['Task', 'State', 'Worker', 'Records/s', ''].map((t) => h('th', {scope: 'col', text: t})))),
          h('tbody', {}, status.tasks.map((t) => [
            h('tr', {'data-task': String(t.id)},
              h('th', {scope: 'row', text: `${name}-${t.id}`}),
              h('td', {}, stateBadge(t.state, {class: 'task-state'})),
              h('td', {class: 'mono task-worker', text: t.worker_id || ''}),
              h('td', {class: 'rate', text: taskRate(rates.last, t.id)}),
              h('td', {}, h('button', {type: 'button', class: 'small', 'aria-label': `Restart task ${t.id}`,
                onclick: act(`Restart task ${t.id}`, async () => { await api('POST', `${path}/tasks/${t.id}/restart`); return `Task ${t.id} restart requested.`; })}, 'Restart'))),
            t.trace ? h('tr', {class: 'trace-row'}, h('td', {colspan: '5'},
              h('details', {open: true}, h('summary', {text: `Task ${t.id} failure`}), h('pre', {class: 'trace', text: t.trace})))) : null,
          ])));
      });
      const topicList = active && active[name] ? active[name].topics : null;
      replaceIfChanged(topics, JSON.stringify(topicList), () => topicList === null
        ? h('p', {class: 'empty', text: 'Topic tracking is off.'})
        : topicList.length === 0 ? h('p', {class: 'empty', text: 'None yet.'})
          : h('ul', {}, topicList.map((t) => h('li', {class: 'mono', text: t}))));
    };
  }

  function pluginsView() {
    const body = h('div', {id: 'plugins'});
    main.replaceChildren(h('h2', {text: 'Plugins'}), body);
    api('GET', 'connector-plugins?connectorsOnly=false').then((plugins) => {
      body.replaceChildren(h('table', {id: 'plugins-table'},
        h('thead', {}, h('tr', {}, ['Class', 'Type', 'Version'].map((t) => h('th', {scope: 'col', text: t})))),
        h('tbody', {}, plugins.map((p) => h('tr', {},
          h('th', {scope: 'row'}, h('a', {class: 'mono', href: `#/plugins/${enc(p.class)}`, text: p.class})),
          h('td', {text: p.type}), h('td', {text: p.version || ''}))))));
    }).catch((e) => showError(e, 'Plugins'));
    return null;
  }

  function pluginView(cls) {
    const filter = h('input', {id: 'plugin-filter', type: 'search', placeholder: 'key or words'});
    const body = h('div', {id: 'plugin-config'});
    main.replaceChildren(h('h2', {}, 'Plugin ', h('span', {class: 'mono', text: cls})),
      h('p', {}, h('a', {href: '#/plugins', text: '← all plugins'})),
      h('p', {}, h('label', {for: 'plugin-filter', text: 'Filter'}), filter), body);
    api('GET', `connector-plugins/${enc(cls)}/config`).then((keys) => {
      const rows = keys.map((k) => {
        const tr = h('tr', {'data-key': k.name},
          h('th', {scope: 'row', class: 'mono', text: k.name}),
          h('td', {text: k.type}),
          h('td', {class: 'mono', text: k.required ? 'required' : (k.default_value ?? '')}),
          h('td', {text: k.importance}),
          h('td', {class: 'doc', text: k.documentation || ''}));
        tr.dataset.search = `${k.name} ${k.documentation || ''}`.toLowerCase();
        return tr;
      });
      body.replaceChildren(keys.length === 0 ? h('p', {class: 'empty', text: 'No configuration key.'}) : h('table', {},
        h('thead', {}, h('tr', {}, ['Key', 'Type', 'Default', 'Importance', 'Documentation'].map((t) => h('th', {scope: 'col', text: t})))),
        h('tbody', {}, rows)));
      filter.addEventListener('input', () => {
        const q = filter.value.trim().toLowerCase();
        for (const tr of rows) tr.hidden = q !== '' && !tr.dataset.search.includes(q);
      });
    }).catch((e) => showError(e, 'Plugin'));
    return null;
  }

  // --- routing and polling ----------------------------------------------------------------------------------

  let refresh = null;
  let inflight = null; // the refresh under way, if any
  let pending = false; // a tick came while one was under way: run once more after it
  let generation = 0;

  // tick runs the current view's refresh, never two at a time: a tick during one runs once more after it (a
  // navigation or an action shows at once, Live updates off too). It resolves when that run is done.
  function tick() {
    if (inflight) {
      pending = true;
      return inflight;
    }
    if (!refresh) return Promise.resolve();
    inflight = (async () => {
      try {
        do {
          pending = false;
          const gen = generation;
          const fn = refresh;
          if (!fn) break;
          try {
            await fn();
            if (gen === generation) updated.textContent = 'updated ' + new Date().toLocaleTimeString();
          } catch (e) {
            if (gen === generation) showError(e);
          }
        } while (pending);
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  }

  // quiesce stops the refreshes of the current view and waits for the one under way: before a delete, so
  // that no refresh asks for what is being deleted.
  async function quiesce() {
    refresh = null;
    generation++;
    if (inflight) await inflight;
  }

  // route shows the view of a hash starting with "#/"; any other (none, or an in-page anchor) the cluster.
  function route() {
    generation++;
    clearError();
    const parts = (location.hash.startsWith('#/') ? location.hash.slice(2) : '').split('/');
    let view = parts[0] || 'cluster';
    let arg = '';
    try {
      arg = parts.length > 1 ? decodeURIComponent(parts.slice(1).join('/')) : '';
    } catch (_) {
      view = 'cluster';
      showError(new Error(`The address ${location.hash} is not valid: showing the cluster.`));
    }
    let nav = view;
    switch (view) {
      case 'connectors': refresh = arg ? connectorView(arg) : connectorsView(); break;
      case 'create': refresh = createView(); break;
      case 'plugins': refresh = arg ? pluginView(arg) : pluginsView(); break;
      default: nav = 'cluster'; refresh = clusterView();
    }
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.view === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = `connectd console · ${arg || nav}`;
    tick();
  }

  // Only "#/…" hashes are views: an in-page anchor such as the skip link's #main keeps the view.
  window.addEventListener('hashchange', () => {
    if (!location.hash.startsWith('#/') && location.hash !== '') return;
    route();
    main.focus();
  });
  document.querySelector('a.skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
  });
  setInterval(() => {
    if (liveBox.checked && !document.hidden) tick();
  }, POLL_MS);
  route();
})();
