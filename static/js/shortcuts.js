// Keyboard shortcuts in the inbox and on an item: j / k next and previous, a assign to me, c close, r reply,
// ? this help. Single keys only, and never while typing in a field or with Ctrl, Alt or Meta held, so they do
// not take keys from forms or from screen readers' own commands (which use modifiers or their browse mode).
// Anyone can turn them off (WCAG 2.1.4) from the help dialog; the choice is kept in this browser.
// The page says what each key does through data attributes:
//   [data-shortcuts="inbox"]  on the list: rows are [data-shortcut-row] with data-url, data-claim-url, data-close-url
//   [data-shortcuts="item"]   on an item: data-next-url, data-previous-url; forms [data-shortcut="assign"|"close"];
//                             the reply box [data-shortcut="reply"]
(function () {
  "use strict";
  var OFF_KEY = "dovecote-shortcuts-off";
  var opener = null;
  var current = -1;

  // Looked up each time: htmx swaps the page's main content after an action, with new elements.
  function root() {
    return document.querySelector("[data-shortcuts]");
  }
  function dialog() {
    return document.getElementById("shortcuts-help");
  }

  function enabled() {
    try {
      return window.localStorage.getItem(OFF_KEY) !== "1";
    } catch (e) {
      return true;
    }
  }

  function showState() {
    var on = enabled();
    var toggle = document.getElementById("shortcuts-toggle");
    var status = document.getElementById("shortcuts-status");
    if (toggle) {
      toggle.textContent = on ? "Turn keyboard shortcuts off" : "Turn keyboard shortcuts on";
    }
    if (status) {
      status.textContent = on ? "Keyboard shortcuts are on." : "Keyboard shortcuts are off.";
    }
  }

  function typing(target) {
    if (!target || !target.closest) {
      return false;
    }
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url) {
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrfToken());
    return window
      .fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } })
      .then(function () {
        window.location.reload();
      });
  }

  function openHelp() {
    var help = dialog();
    if (!help || help.open) {
      return;
    }
    opener = document.activeElement;
    showState();
    help.showModal();
    var title = help.querySelector("h2");
    if (title) {
      title.focus();
    }
  }

  document.addEventListener(
    "close",
    function (event) {
      if (event.target === dialog() && opener && opener.focus && document.contains(opener)) {
        opener.focus();
      }
    },
    true
  );

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("#shortcuts-open, #shortcuts-close, #shortcuts-toggle") : null;
    if (!target) {
      return;
    }
    if (target.id === "shortcuts-open") {
      event.preventDefault();
      openHelp();
    } else if (target.id === "shortcuts-close") {
      dialog().close();
    } else {
      try {
        if (enabled()) {
          window.localStorage.setItem(OFF_KEY, "1");
        } else {
          window.localStorage.removeItem(OFF_KEY);
        }
      } catch (e) {
        // Storage refused (private browsing): nothing to keep.
      }
      showState();
    }
  });

  // --- The inbox list: a current row, moved with j and k -----------------------------------------------------
  function rows() {
    var page = root();
    return page ? Array.prototype.slice.call(page.querySelectorAll("[data-shortcut-row]")) : [];
  }

  function select(index) {
    var all = rows();
    if (!all.length) {
      return;
    }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("dovecote-row--current", i === current);
      if (i === current) {
        row.setAttribute("aria-current", "true");
      } else {
        row.removeAttribute("aria-current");
      }
    });
    var link = all[current].querySelector("a");
    if (link) {
      link.focus();
    }
  }

  function currentRow() {
    var all = rows();
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("[data-shortcut-row]")
      : null;
    if (focused) {
      current = all.indexOf(focused);
    }
    return current >= 0 && current < all.length ? all[current] : null;
  }

  var inbox = {
    j: function () {
      select(current + 1);
    },
    k: function () {
      select(current < 0 ? 0 : current - 1);
    },
    a: function () {
      var row = currentRow();
      if (row) {
        post(row.dataset.claimUrl);
      }
    },
    c: function () {
      var row = currentRow();
      if (row) {
        post(row.dataset.closeUrl);
      }
    },
    r: function () {
      var row = currentRow();
      if (row) {
        window.location.assign(row.dataset.url + "#reply");
      }
    },
  };

  // --- One item: its neighbours, and its own forms -------------------------------------------------------------
  function submit(name) {
    var form = root().querySelector('[data-shortcut="' + name + '"]');
    if (form) {
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }
  }

  var item = {
    j: function () {
      if (root().dataset.nextUrl) {
        window.location.assign(root().dataset.nextUrl);
      }
    },
    k: function () {
      if (root().dataset.previousUrl) {
        window.location.assign(root().dataset.previousUrl);
      }
    },
    a: function () {
      submit("assign");
    },
    c: function () {
      submit("close");
    },
    r: function () {
      var box = root().querySelector('[data-shortcut="reply"]');
      if (box) {
        box.scrollIntoView({ block: "center" });
        box.focus();
        if (box.setSelectionRange) {
          box.setSelectionRange(box.value.length, box.value.length); // after the "@handle " it starts with
        }
      }
    },
  };

  document.addEventListener("keydown", function (event) {
    var page = root();
    var help = dialog();
    if (!page || !help || help.open) {
      return; // in the dialog, the browser's own keys: Escape closes it, Tab stays inside it
    }
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented || typing(event.target)) {
      return;
    }
    if (!enabled()) {
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      openHelp();
      return;
    }
    var actions = page.dataset.shortcuts === "item" ? item : inbox;
    var action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    current = -1;
    showState();
  });
  showState();
})();
