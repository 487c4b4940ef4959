/* Chinese messages for Flask-Admin's bundled select2 (3.5) and date picker (daterangepicker 1.3), which ship
   English only ("Please enter 1 or more character", "Apply"). The template loads this file only when the page
   is in Chinese, after select2 and before form.js applies the widgets. No inline script: the CSP forbids it. */
(function () {
  if (typeof jQuery === "undefined") { return; }
  var $ = jQuery;
  if ($.fn.select2 && $.fn.select2.defaults) {
    $.fn.select2.locales["zh-CN"] = {
      formatMatches: function (n) { return "共 " + n + " 项结果，可用上下方向键选择。"; },
      formatNoMatches: function () { return "没有找到匹配项"; },
      formatAjaxError: function () { return "加载失败"; },
      formatInputTooShort: function (input, min) { return "请至少输入 " + (min - input.length) + " 个字"; },
      formatInputTooLong: function (input, max) { return "请删除 " + (input.length - max) + " 个字"; },
      formatSelectionTooBig: function (limit) { return "最多只能选择 " + limit + " 项"; },
      formatLoadMore: function () { return "正在加载更多结果…"; },
      formatSearching: function () { return "正在搜索…"; }
    };
    $.extend($.fn.select2.defaults, $.fn.select2.locales["zh-CN"]);
  }
  var labels = {applyLabel: "确定", cancelLabel: "取消", fromLabel: "从", toLabel: "至", weekLabel: "周",
                customRangeLabel: "自定义"};
  // daterangepicker takes its button labels per call only: add them to every call form.js makes.
  function localise() {
    var original = $.fn.daterangepicker;
    if (!original || original.zhCN) { return; }
    var wrapped = function (options, callback) {
      if (options && typeof options === "object") {
        options = $.extend({}, options, {locale: $.extend({}, labels, options.locale || {})});
      }
      return original.call(this, options, callback);
    };
    wrapped.zhCN = true;
    $.fn.daterangepicker = wrapped;
  }
  localise();  // when daterangepicker is already loaded
  $(document).on("adminFormReady", localise);  // form.js announces itself before applying the widgets
}());
