package agencies

// Reference data the generator draws from: names, places, institutions and
// products that look like those of 佛山 and its neighbours. Everything here
// is invented; any resemblance of a generated record to a real one is chance.

var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高",
	"梁", "郑", "谢", "宋", "唐", "许", "邓", "冯", "韩", "曹", "曾", "彭", "萧", "蔡", "潘", "田", "董", "袁", "钟", "叶",
	"卢", "麦", "区", "冼", "霍", "伍", "简", "邝",
}

var givenChars = []string{
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
	"刚", "桂", "英", "华", "辉", "玲", "志", "建", "文", "国", "浩", "宇", "俊", "嘉", "欣", "婷", "雪", "颖", "佳", "晓",
	"锦", "荣", "坤", "灿", "斌", "彬", "永", "健", "梓", "泳", "诗", "雅", "思", "子", "振", "耀", "家", "立", "德", "海",
}

// district is a district of a city with some of its streets, towns and
// residential compounds.
type district struct {
	Name      string   // 禅城区
	Towns     []string // 街道 and 镇
	Roads     []string
	Compounds []string
}

// city is a city where the generator places property.
type city struct {
	Name      string // 佛山市
	Region    string // court area code: 粤06
	Districts []district
	// PriceMin and PriceMax bound the price of housing in yuan per m².
	PriceMin, PriceMax int64
}

var foshan = city{Name: "佛山市", Region: "粤06", PriceMin: 9000, PriceMax: 26000, Districts: []district{
	{"禅城区", []string{"祖庙街道", "石湾镇街道", "张槎街道", "南庄镇"}, []string{"季华五路", "汾江中路", "祖庙路", "岭南大道北", "绿景路", "魁奇一路"},
		[]string{"保利花园", "中海寰宇天下", "万科金色领域", "东方广场", "岭南天地雅居"}},
	{"南海区", []string{"桂城街道", "大沥镇", "里水镇", "狮山镇", "西樵镇"}, []string{"南海大道", "桂澜路", "海八路", "佛平路", "灯湖东路"},
		[]string{"中海万锦豪园", "保利水城", "万科金域中央", "雅居乐御宾府", "碧桂园翡翠湾"}},
	{"顺德区", []string{"大良街道", "容桂街道", "北滘镇", "乐从镇", "陈村镇", "伦教街道"}, []string{"德和路", "德民路", "美的大道", "乐从大道", "碧桂路"},
		[]string{"美的君兰江山", "碧桂园天玺湾", "华侨城欢乐海岸", "恒大御景半岛", "金地九珑璧"}},
	{"高明区", []string{"荷城街道", "杨和镇"}, []string{"沧江路", "中山路", "文华路"},
		[]string{"美的西海岸", "时代倾城", "富湾湖畔"}},
	{"三水区", []string{"西南街道", "云东海街道", "白坭镇"}, []string{"广海大道", "健力宝南路", "三达路"},
		[]string{"碧桂园云顶", "恒福新里程", "时代香海彼岸"}},
}}

var otherCities = []city{
	{Name: "广州市", Region: "粤01", PriceMin: 22000, PriceMax: 65000, Districts: []district{
		{"天河区", []string{"林和街道", "天河南街道"}, []string{"天河路", "体育东路", "黄埔大道西"}, []string{"富力盈凯", "侨林苑", "天河新天地"}},
		{"番禺区", []string{"市桥街道", "大石街道"}, []string{"番禺大道北", "迎宾路"}, []string{"祈福新邨", "星河湾", "华南碧桂园"}},
	}},
	{Name: "深圳市", Region: "粤03", PriceMin: 45000, PriceMax: 95000, Districts: []district{
		{"南山区", []string{"粤海街道", "南头街道"}, []string{"深南大道", "科技南路"}, []string{"蔚蓝海岸", "海岸城公寓"}},
		{"宝安区", []string{"新安街道", "西乡街道"}, []string{"宝安大道", "创业一路"}, []string{"泰华梧桐岛", "中洲华府"}},
	}},
	{Name: "肇庆市", Region: "粤12", PriceMin: 6000, PriceMax: 12000, Districts: []district{
		{"端州区", []string{"城东街道", "黄岗街道"}, []string{"端州五路", "天宁北路"}, []string{"星湖名郡", "碧桂园翡翠湾"}},
	}},
}

// regionCity maps a court area code to the city an agency of that region
// registers property in.
var regionCity = map[string]string{"粤01": "广州市", "粤03": "深圳市", "粤06": "佛山市", "粤12": "肇庆市"}

var companyWords = []string{"恒达", "创美", "金盛", "宏图", "鑫源", "华信", "永利", "德隆", "力拓", "盈科", "新锐", "嘉和", "兴业", "正通", "凯华", "明辉", "粤顺", "锦泰"}

var industries = []string{"五金制品", "陶瓷", "家具", "铝型材", "纺织", "电器", "贸易", "建材", "物流", "照明电器", "机械设备", "塑料制品", "不锈钢", "食品"}

// bankPrefix names the branches of the banks the directory lists; other
// banks use their directory name.
var bankPrefix = map[string]string{
	"icbc": "中国工商银行佛山", "ccb": "中国建设银行佛山", "abc": "中国农业银行佛山", "boc": "中国银行佛山", "cmb": "招商银行佛山",
}

// ruralBanks are the rural commercial banks behind 广东农村信用社联合社 in 佛山.
var ruralBanks = []string{"广东南海农村商业银行", "广东顺德农村商业银行", "佛山农村商业银行", "广东三水农村商业银行", "广东高明农村商业银行"}

// cardPrefix is the issuer prefix of personal debit cards per bank.
var cardPrefix = map[string]string{
	"icbc": "622202", "ccb": "621700", "abc": "622848", "boc": "621785", "cmb": "622588", "gdrcu": "621028",
	"mybank": "621666", "webank": "623668",
}

// orgAccountPrefix begins corporate account numbers per bank.
var orgAccountPrefix = map[string]string{
	"icbc": "201300", "ccb": "440501", "abc": "443301", "boc": "658157", "cmb": "757900", "gdrcu": "800010",
	"mybank": "880001", "webank": "990001",
}

var wealthWords = []string{"稳利", "添利", "鑫享", "安心", "季季红", "天天盈", "月月薪", "悦享"}

var brokers = []string{
	"华泰证券股份有限公司佛山季华六路证券营业部", "广发证券股份有限公司佛山南海大道证券营业部", "国信证券股份有限公司佛山分公司",
	"招商证券股份有限公司佛山顺德大良证券营业部", "中信证券股份有限公司佛山分公司", "东莞证券股份有限公司佛山禅城证券营业部",
}

// vehicleModel is a car or lorry model with the world manufacturer
// identifier of its VIN and its new price in yuan.
type vehicleModel struct {
	Name     string
	WMI      string
	Price    int64
	NewPower bool // new-energy vehicle: green plate with six characters
}

var carModels = []vehicleModel{
	{"上汽大众朗逸", "LSV", 120000, false}, {"广汽丰田凯美瑞", "LVG", 200000, false}, {"广汽本田雅阁", "LHG", 190000, false},
	{"东风日产轩逸", "LGB", 110000, false}, {"比亚迪秦PLUS", "LGX", 110000, true}, {"比亚迪宋PLUS", "LGX", 160000, true},
	{"特斯拉Model 3", "LRW", 260000, true}, {"吉利博越", "L6T", 110000, false}, {"长安CS75", "LS5", 120000, false},
	{"上汽通用五菱宏光", "LZW", 60000, false}, {"上汽通用别克GL8", "LSG", 280000, false}, {"华晨宝马3系", "LBV", 320000, false},
	{"北京奔驰C级", "LE4", 350000, false}, {"广汽传祺GS4", "LMG", 120000, false}, {"理想L7", "HLX", 320000, true},
}

var truckModels = []vehicleModel{
	{"东风天锦载货汽车", "LGA", 250000, false}, {"福田欧马可轻型厢式货车", "LVB", 130000, false},
	{"江淮骏铃轻型货车", "LJ1", 110000, false}, {"一汽解放J6P牵引车", "LFW", 400000, false}, {"上汽大通V80厢式货车", "LSK", 150000, false},
}

var colors = []string{"白色", "黑色", "银色", "灰色", "红色", "蓝色"}

// insurer is a life insurer's 佛山 branch and some of its products.
type insurer struct {
	Name     string
	Products []string
}

var insurers = []insurer{
	{"中国人寿保险股份有限公司佛山分公司", []string{"国寿鑫账户年金保险", "国寿福终身寿险", "国寿鑫享宝两全保险"}},
	{"中国平安人寿保险股份有限公司佛山分公司", []string{"平安福终身寿险", "平安御享金瑞年金保险", "平安鑫盛终身寿险"}},
	{"中国太平洋人寿保险股份有限公司佛山中心支公司", []string{"太平洋金佑人生终身寿险", "太平洋鑫享事业年金保险"}},
	{"新华人寿保险股份有限公司佛山中心支公司", []string{"新华多倍保障重大疾病保险", "新华惠添富年金保险"}},
	{"泰康人寿保险有限责任公司佛山中心支公司", []string{"泰康鑫享人生年金保险", "泰康乐安康终身重大疾病保险"}},
}

// carrier is a telephone carrier and its mobile number prefixes.
type carrier struct {
	Name     string
	Prefixes []string
}

var carriers = []carrier{
	{"中国移动通信集团广东有限公司佛山分公司", []string{"134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "178", "182", "183", "187", "188", "198"}},
	{"中国联合网络通信有限公司佛山市分公司", []string{"130", "131", "132", "155", "156", "166", "175", "176", "185", "186"}},
	{"中国电信股份有限公司佛山分公司", []string{"133", "153", "173", "177", "180", "181", "189", "199"}},
}

var shipTypes = []string{"干货船", "散货船", "集装箱船", "油船", "砂石运输船"}
