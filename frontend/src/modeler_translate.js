// Chinese for the strings bpmn-js's Modeler shows an administrator (palette, context pad, 更改类型
// menu), through its `translate` service (docs/design.md "Model editor (issue 13)"). Anything not
// listed stays as bpmn-js wrote it.
const ZH = {
  "Activate hand tool": "移动画布", "Activate lasso tool": "框选", "Activate create/remove space tool": "插入/删除空白",
  "Activate global connect tool": "连线", "Create start event": "开始事件", "Create intermediate/boundary event": "中间/边界事件",
  "Create end event": "结束事件", "Create gateway": "网关", "Create task": "任务", "Create data object reference": "数据对象",
  "Create data store reference": "数据存储", "Create expanded sub-process": "子流程", "Create pool/participant": "池",
  "Create group": "分组",
  "Append end event": "追加结束事件", "Append gateway": "追加网关", "Append task": "追加任务",
  "Append intermediate/boundary event": "追加中间事件", "Add text annotation": "添加注释",
  "Append compensation activity": "追加补偿活动", "Append receive task": "追加接收任务",
  "Append message intermediate catch event": "追加消息捕获事件", "Append timer intermediate catch event": "追加定时事件",
  "Append signal intermediate catch event": "追加信号捕获事件", "Append conditional intermediate catch event": "追加条件捕获事件",
  "Change element": "更改类型", Delete: "删除", "Connect to other element": "连接到其他元素",
  "Connect using association": "用关联连接", "Connect using data input association": "用数据输入关联连接",
  "Add lane above": "在上方添加泳道", "Add lane below": "在下方添加泳道",
  "Divide into two lanes": "分成两条泳道", "Divide into three lanes": "分成三条泳道",
  "Toggle non-interrupting": "切换为非中断", "Parallel multi-instance": "并行多实例",
  "Sequential multi-instance": "串行多实例", Loop: "循环", Collection: "集合", Search: "搜索",
  "Search in diagram": "在图中搜索", "Participant multiplicity": "参与者多重性",
  Task: "任务", "User task": "人工任务", "Service task": "服务任务", "Script task": "脚本任务",
  "Business rule task": "业务规则任务", "Manual task": "手工任务", "Send task": "发送任务", "Receive task": "接收任务",
  "Call activity": "调用活动", "Sub-process (collapsed)": "子流程（折叠）", "Sub-process (expanded)": "子流程（展开）",
  "Event sub-process": "事件子流程", Transaction: "事务", "Sub-process": "子流程",
  "Ad-hoc sub-process (collapsed)": "自由子流程（折叠）", "Ad-hoc sub-process (expanded)": "自由子流程（展开）",
  "Ad-hoc sub-process": "自由子流程",
  "Exclusive gateway": "排他网关", "Parallel gateway": "并行网关", "Inclusive gateway": "包容网关",
  "Complex gateway": "复杂网关", "Event-based gateway": "事件网关",
  "Start event": "开始事件", "End event": "结束事件", "Intermediate throw event": "中间抛出事件",
  "Boundary event": "边界事件", "Terminate end event": "终止结束事件",
  "Message start event": "消息开始事件", "Timer start event": "定时开始事件", "Signal start event": "信号开始事件",
  "Conditional start event": "条件开始事件", "Message end event": "消息结束事件", "Error end event": "错误结束事件",
  "Escalation end event": "升级结束事件", "Signal end event": "信号结束事件", "Cancel end event": "取消结束事件",
  "Compensation end event": "补偿结束事件",
  "Message intermediate catch event": "消息捕获事件", "Message intermediate throw event": "消息抛出事件",
  "Timer intermediate catch event": "定时捕获事件", "Signal intermediate catch event": "信号捕获事件",
  "Signal intermediate throw event": "信号抛出事件", "Conditional intermediate catch event": "条件捕获事件",
  "Escalation intermediate throw event": "升级抛出事件", "Compensation intermediate throw event": "补偿抛出事件",
  "Link intermediate catch event": "链接捕获事件", "Link intermediate throw event": "链接抛出事件",
  "Message boundary event": "消息边界事件", "Timer boundary event": "定时边界事件", "Error boundary event": "错误边界事件",
  "Signal boundary event": "信号边界事件", "Escalation boundary event": "升级边界事件",
  "Conditional boundary event": "条件边界事件", "Cancel boundary event": "取消边界事件",
  "Compensation boundary event": "补偿边界事件",
  "Message boundary event (non-interrupting)": "消息边界事件（非中断）",
  "Timer boundary event (non-interrupting)": "定时边界事件（非中断）",
  "Signal boundary event (non-interrupting)": "信号边界事件（非中断）",
  "Escalation boundary event (non-interrupting)": "升级边界事件（非中断）",
  "Conditional boundary event (non-interrupting)": "条件边界事件（非中断）",
  "Data object reference": "数据对象", "Data store reference": "数据存储",
  "Sequence flow": "顺序流", "Default flow": "默认流", "Conditional flow": "条件流",
  "Expanded pool/participant": "展开的池", "Empty pool/participant": "空池",
};

export function chineseTranslate(template, replacements = {}) {
  const text = ZH[template] ?? template;
  return text.replace(/{([^}]+)}/g, (whole, key) => (key in replacements ? replacements[key] : whole));
}

// A bpmn-js module replacing its `translate` service.
export const translateModule = { translate: ["value", chineseTranslate] };
